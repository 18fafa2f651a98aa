// From finding to fix in the window: a capture's finding reproduced in the lab against the same
// load balancer (a short simulated idle timeout), its changes applied to the settings, and the
// same run surviving.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/lab_panel.h"
#include "ui/lab_session.h"
#include "ui/lb_profile_picker.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"

#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace ks;

namespace {

const core::Finding* findingWithChanges(const ui::MainWindow& w, int* row = nullptr)
{
    const auto& all = w.findingsView()->findings();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (!all[i].changes.empty() && !all[i].profile.empty()) {
            if (row)
                *row = static_cast<int>(i);
            return &all[i];
        }
    return nullptr;
}

QString describe(const ui::MainWindow& w)
{
    QStringList out;
    for (const auto& f : w.findingsView()->findings()) {
        QString c;
        for (const auto& ch : f.changes)
            c += u' ' % QString::fromStdString(std::string(core::settingSideName(ch.side))) % u'.'
                % QString::fromStdString(ch.setting) % u'=' % QString::number(ch.value);
        out << QString::fromStdString(f.id) % u" [" % QString::fromStdString(f.profile) % u']' % c;
    }
    return out.join(u"; "_qs);
}

// RSTs on the channel's connections before the lab's own shutdown: the connection died.
std::size_t resetsBeforeStop(const ui::MainWindow& w)
{
    const auto stop = w.sources()->lab()->shutdownRelNs();
    std::size_t n = 0;
    for (std::size_t i = 0; i < w.store()->size(); ++i)
        n += w.store()->record(i).type == core::EventType::Rst && w.store()->record(i).relNs < stop ? 1 : 0;
    return n;
}

// Waits for the run that spy (or a new spy) sees start, lets it run ms, and stops it.
bool runFor(ui::MainWindow& w, int ms, QSignalSpy* spy = nullptr)
{
    QSignalSpy own(&w, &ui::MainWindow::labStarted);
    QSignalSpy& started = spy ? *spy : own;
    if ((started.count() == 0 && !started.wait(20000)) || !started.constFirst().constFirst().toBool()) {
        qWarning() << "lab did not start:" << started.count()
                   << w.labPanel()->findChild<QLabel*>(QStringLiteral("labStatus"))->text();
        return false;
    }
    QTest::qWait(ms);
    QSignalSpy updated(&w, &ui::MainWindow::findingsUpdated);
    QTest::mouseClick(w.labPanel()->stopButton(), Qt::LeftButton);
    return QTest::qWaitFor([&] { return w.labPanel()->startButton()->isEnabled(); }, 20000)
        && (updated.count() > 0 || updated.wait(10000));
}

} // namespace

class TestFindingToFix : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QSettings().clear(); }

    void reproduceInLabFailsThenSurvivesAfterApply()
    {
        QTemporaryDir dir;
        const QString profile = dir.filePath(QStringLiteral("lb.json"));
        QFile file(profile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format":"keepalive-scope-lb-profiles","version":1,"profiles":[{"name":"short-lb",
            "title":"Short LB","idle_timeout_s":1.5,"on_expiry":"rst","tcp_keepalive_resets_idle":true,
            "http2_ping_resets_idle":true,"source":"test"}]})");
        file.close();

        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QCOMPARE(w.profilePicker()->addProfileFile(profile), QString());
        w.profilePicker()->setSelectedNames({ QStringLiteral("short-lb") });
        // The capture: grpc-go through a proxy that resets flows idle for 1.5 s.
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(QStringLiteral(KS_TEST_DATA_DIR "/idle_reset_proxy.pcap"));
        QVERIFY(loaded.wait(20000));
        int row = -1;
        QVERIFY2(findingWithChanges(w, &row), qPrintable(describe(w)));
        w.findingsView()->activate(row);
        QVERIFY(w.findingsView()->reproduceButton()->isEnabled());

        // Reproduce: the lab plays short-lb with the current (default) settings: an idle
        // connection without keepalive is reset at 1.5 s.
        QSignalSpy started(&w, &ui::MainWindow::labStarted);
        w.findingsView()->reproduceButton()->click(); // the Findings tab may be hidden behind Events
        QVERIFY(runFor(w, 4000, &started));
        if (w.store()->connections().empty())
            QSKIP("no wire events: live capture needs CAP_NET_RAW here");
        QVERIFY2(resetsBeforeStop(w) > 0, qPrintable(describe(w)));
        const auto* failing = findingWithChanges(w, &row);
        QVERIFY2(failing, qPrintable(describe(w)));
        QCOMPARE(failing->profile, std::string("short-lb"));

        // Apply its changes, run the same lab again: the connection survives.
        w.findingsView()->activate(row);
        QVERIFY(w.findingsView()->applyButton()->isEnabled());
        w.findingsView()->applyButton()->click();
        QVERIFY(!w.settingsEditor()->changedFields().isEmpty());
        QVERIFY(w.settingsEditor()->valid());
        QSignalSpy restarted(&w, &ui::MainWindow::labStarted);
        QTest::mouseClick(w.labPanel()->startButton(), Qt::LeftButton);
        // The first run's results are not saved: the window asks before replacing them.
        QMessageBox* ask = nullptr;
        QVERIFY(
            QTest::qWaitFor([&] { return (ask = w.findChild<QMessageBox*>(QStringLiteral("replaceResults"))); }, 5000));
        QCOMPARE(restarted.count(), 0);
        QAbstractButton* replace = nullptr;
        for (QAbstractButton* b : ask->buttons())
            if (b->text() == QStringLiteral("Replace"))
                replace = b;
        QVERIFY(replace);
        replace->click();
        QVERIFY(runFor(w, 4000, &restarted));
        QVERIFY2(resetsBeforeStop(w) == 0, qPrintable(describe(w)));
        QVERIFY2(!findingWithChanges(w), qPrintable(describe(w)));
    }
};

KS_QTEST_MAIN(TestFindingToFix)
#include "tst_finding_to_fix.moc"
