// The scenario library in the window, as a user drives it: pick a scenario from the Scenarios
// menu (the settings and the lab panel fill in), Run (the lab runs for the scenario's duration and
// stops by itself, the expected finding appears), then Run with the fix (it does not).
#include "qtest_main.h"

#include "core/scenario.h"
#include "ui/findings_view.h"
#include "ui/lab_panel.h"
#include "ui/main_window.h"
#include "ui/scenario_controller.h"
#include "ui/settings_editor.h"

#include <QAction>
#include <QComboBox>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>

using namespace ks;

namespace {

QMenu* scenariosMenu(ui::MainWindow& w)
{
    for (QAction* a : w.menuBar()->actions())
        if (a->menu() && a->text().remove(u'&') == QStringLiteral("Scenarios"))
            return a->menu();
    return nullptr;
}

bool hasFinding(const ui::MainWindow& w, const std::string& id)
{
    for (const auto& f : w.findingsView()->findings())
        if (f.id == id)
            return true;
    return false;
}

} // namespace

class TestScenarioWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void menuListsEveryScenarioAndLoadingFillsThePanels()
    {
        ui::MainWindow w;
        QMenu* menu = scenariosMenu(w);
        QVERIFY(menu);
        QStringList names;
        for (QAction* a : menu->actions())
            if (!a->data().toString().isEmpty())
                names << a->data().toString();
        QCOMPARE(names.size(), static_cast<qsizetype>(core::builtinScenarios().size()));
        auto* run = w.scenarios()->runAction();
        QVERIFY(!run->isEnabled()); // nothing loaded yet

        for (QAction* a : menu->actions())
            if (a->data().toString() == QStringLiteral("nlb-idle-timeout"))
                a->trigger();
        const auto* s = core::findScenario("nlb-idle-timeout");
        QVERIFY(run->isEnabled());
        QVERIFY(w.settingsEditor()->experiment().settings == s->failing.settings);
        // The lab panel shows the scenario's own simulator (3.5 s, not the catalogue's 350 s).
        const core::Experiment planned = w.labPanel()->apply(w.settingsEditor()->experiment());
        QVERIFY(planned.simulator);
        QCOMPARE(planned.simulator->idleTimeoutS, 3.5);
        QCOMPARE(planned.simulator->onExpiry, core::LbExpiryAction::RstOnNextPacket);
        QCOMPARE(planned.rpc.pattern, core::RpcPattern::Unary);

        // The start page's list loads the same way.
        QListWidget* list = w.scenarios()->createList(&w);
        QCOMPARE(list->count(), names.size());
        QListWidgetItem* alb = nullptr;
        for (int i = 0; i < list->count(); ++i)
            if (list->item(i)->data(Qt::UserRole).toString() == QStringLiteral("alb-ignores-pings"))
                alb = list->item(i);
        QVERIFY(alb);
        Q_EMIT list->itemActivated(alb);
        QCOMPARE(w.scenarios()->current()->name, std::string("alb-ignores-pings"));
        QVERIFY(!w.labPanel()->apply(w.settingsEditor()->experiment()).simulator->http2PingResetsIdle);
    }

    void runShowsTheFindingAndRunWithTheFixDoesNot()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(w.scenarios()->load(QStringLiteral("alb-ignores-pings")));
        const auto* s = w.scenarios()->current();
        QSignalSpy started(&w, &ui::MainWindow::labStarted);

        w.scenarios()->runAction()->trigger();
        QVERIFY(started.wait(20000));
        QVERIFY(started.takeFirst().constFirst().toBool());
        // It stops by itself after the scenario's duration, and the findings are judged then.
        QTRY_VERIFY_WITH_TIMEOUT(w.labPanel()->startButton()->isEnabled(), int(s->durationS * 1000) + 15000);
        if (w.findingsView()->findings().empty())
            QTest::qWait(2000);
        if (!hasFinding(w, "lb-idle-timeout") && !hasFinding(w, "ping-cadence"))
            QSKIP("the lab ran but no wire events: live capture needs CAP_NET_RAW here");
        QTRY_VERIFY_WITH_TIMEOUT(hasFinding(w, "lb-idle-timeout"), 20000);
        // KS_SCREENSHOT_DIR=dir: a picture of the window with the findings shown (docs/).
        if (qEnvironmentVariableIsSet("KS_SCREENSHOT_DIR")) {
            for (auto* tabs : w.findChildren<QTabWidget*>())
                if (tabs->count() > 1 && tabs->tabText(1).startsWith(QStringLiteral("Findings")))
                    tabs->setCurrentIndex(1);
            QTest::qWait(300);
            w.grab().save(qEnvironmentVariable("KS_SCREENSHOT_DIR") + QStringLiteral("/scenario.png"));
        }

        w.scenarios()->runFixedAction()->trigger();
        // The first run's results are not saved: the window asks before replacing them, as a user
        // sees it; the test answers Replace.
        QMessageBox* box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((box = w.findChild<QMessageBox*>(QStringLiteral("replaceResults"))) != nullptr, 5000);
        for (auto* button : box->buttons())
            if (box->buttonRole(button) == QMessageBox::DestructiveRole)
                button->click();
        QVERIFY(started.wait(20000));
        QVERIFY(started.takeFirst().constFirst().toBool());
        QVERIFY(w.scenarios()->runningFixed());
        QVERIFY(w.settingsEditor()->experiment().rpc == s->fixed.rpc);
        QTRY_VERIFY_WITH_TIMEOUT(w.labPanel()->startButton()->isEnabled(), int(s->durationS * 1000) + 15000);
        QTRY_VERIFY_WITH_TIMEOUT(hasFinding(w, "ping-cadence"), 20000); // analyzed (a slow stop delays it)
        QVERIFY(!hasFinding(w, "lb-idle-timeout"));
    }
};

KS_QTEST_MAIN(TestScenarioWindow)
#include "tst_scenario_window.moc"
