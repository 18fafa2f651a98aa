// What the window shows is true and survives the user's sequences: the Findings tab counts its
// rows, a bad file or a refused capture keeps what was on screen, exports carry what the panels
// show, the settings editor shows parse errors alone, stale analyses are dropped.
#include "qtest_main.h"

#include "ui/event_store.h"
#include "ui/event_table_model.h"
#include "ui/findings_job.h"
#include "ui/findings_view.h"
#include "ui/lab_panel.h"
#include "ui/lb_profile_picker.h"
#include "ui/live_capture_panel.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"
#include "ui/start_page.h"
#include "window_test_support.h"

#include <QComboBox>
#include <QCommandLinkButton>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QToolButton>

#include <sys/stat.h>

using namespace ks;
using uitest::data;

class TestWindowTruth : public QObject {
    Q_OBJECT

    static QString findingsTab(const ui::MainWindow& w) { return w.tabs()->tabText(1); }

    // "Findings (n)" with n the rows of the list, or "Findings" with none.
    static bool tabCountMatchesRows(const ui::MainWindow& w)
    {
        const int rows = w.findingsView()->rowCount();
        const QString expected = rows ? QStringLiteral("Findings (%1)").arg(rows) : QStringLiteral("Findings");
        return findingsTab(w) == expected && static_cast<std::size_t>(rows) == w.findingsView()->findings().size();
    }

private Q_SLOTS:
    void init() { QSettings().clear(); }

    void findingsTabCountAlwaysEqualsItsRows()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(tabCountMatchesRows(w));
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        QVERIFY(w.findingsView()->rowCount() > 0);
        QVERIFY2(tabCountMatchesRows(w), qPrintable(findingsTab(w)));
        // A reanalysis with other profiles (on a worker) updates both together.
        QSignalSpy updated(&w, &ui::MainWindow::findingsUpdated);
        w.profilePicker()->setSelectedNames({ QStringLiteral("aws-nlb"), QStringLiteral("azure-lb") });
        QVERIFY(updated.wait(10000));
        QVERIFY2(tabCountMatchesRows(w), qPrintable(findingsTab(w)));
        // A capture with no finding: the tab says none, not the last count.
        QVERIFY(uitest::open(w, data("ping_healthy.pcapng")));
        QVERIFY2(tabCountMatchesRows(w), qPrintable(findingsTab(w)));
    }

    void failedOpenKeepsTheDataAndTitleOnScreen()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        const std::size_t events = w.store()->size();
        const QString title = w.windowTitle();
        const auto findings = w.findingsView()->findings().size();
        QVERIFY(events > 0 && title.contains(u"goaway_too_many_pings"_qs));

        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("not_a_capture.pcap"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a pcap file, just text");
        f.close();
        QVERIFY(!uitest::open(w, bad));
        QCOMPARE(w.store()->size(), events);
        QCOMPARE(w.windowTitle(), title);
        QCOMPARE(w.findingsView()->findings().size(), findings);
        QCOMPARE(w.table()->model()->rowCount(), static_cast<int>(events));
        QVERIFY(!uitest::open(w, dir.filePath(QStringLiteral("missing.pcap"))));
        QCOMPARE(w.store()->size(), events);
        QCOMPARE(w.windowTitle(), title);
        QVERIFY(tabCountMatchesRows(w));
    }

    // A FIFO nothing writes to (opened by mistake, or before its tcpdump): the window keeps what
    // it shows while the load waits, another file opened meanwhile ends the wait, and a window
    // closed while it waits goes at once (its loader used to block in open() and hold the pool).
    void aFifoWithoutAWriterNeverHoldsTheWindow()
    {
        QTemporaryDir dir;
        const QString fifo = dir.filePath(QStringLiteral("capture.pcap"));
        QVERIFY(::mkfifo(qPrintable(fifo), 0600) == 0);
        QElapsedTimer timer;
        timer.start();
        {
            ui::MainWindow w;
            w.show();
            QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
            const std::size_t events = w.store()->size();
            const QString title = w.windowTitle();
            w.openCapture(fifo);
            QTest::qWait(300);
            QCOMPARE(w.store()->size(), events);
            QCOMPARE(w.windowTitle(), title);
            QVERIFY(uitest::open(w, data("go_ping_healthy.pcap")));
            QVERIFY(w.windowTitle().contains(u"go_ping_healthy"_qs));
            w.openCapture(fifo); // and the window goes while this load waits
            QTest::qWait(100);
        }
        QThreadPool::globalInstance()->waitForDone(5000);
        QCOMPARE(QThreadPool::globalInstance()->activeThreadCount(), 0);
        QVERIFY2(timer.elapsed() < 15000, qPrintable(QString::number(timer.elapsed())));
    }

    void refusedLiveCaptureKeepsTheDataAndTitle()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        const std::size_t events = w.store()->size();
        const QString title = w.windowTitle();
        w.livePanel()->setDevice(QStringLiteral("no-such-interface0"));
        QSignalSpy started(&w, &ui::MainWindow::liveCaptureStarted);
        QTest::mouseClick(w.livePanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(10000));
        QVERIFY(!started.constFirst().constFirst().toBool());
        QCOMPARE(w.store()->size(), events);
        QCOMPARE(w.windowTitle(), title);
        QVERIFY(w.livePanel()->startButton()->isEnabled());
        QVERIFY(!w.findingsView()->findings().empty());
    }

    // The settings export is what the screen shows: the lab panel's pattern, the ticked profiles.
    void exportsCarryThePanelsPatternAndTickedProfiles()
    {
        ui::MainWindow w;
        w.show();
        auto* pattern = w.labPanel()->patternBox();
        pattern->setCurrentIndex(pattern->findData(static_cast<int>(core::RpcPattern::Stream)));
        const QStringList ticked { QStringLiteral("aws-alb"), QStringLiteral("gcp-cloud-nat"),
            QStringLiteral("azure-lb"), QStringLiteral("nginx-keepalive") };
        w.profilePicker()->setSelectedNames(ticked);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("k.json"));
        QCOMPARE(w.exportSettingsTo(path), QString());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(doc.value(u"rpc"_qs).toObject().value(u"pattern"_qs).toString(), u"stream"_qs);
        QStringList profiles;
        for (const auto& v : doc.value(u"lb_profiles"_qs).toArray())
            profiles << v.toString();
        profiles.sort();
        QStringList expected = ticked;
        expected.sort();
        QCOMPARE(profiles, expected);
        // And it loads back as the same experiment.
        const auto back = core::loadExperiment(path.toStdString());
        QVERIFY(back.experiment);
        QCOMPARE(back.experiment->rpc.pattern, core::RpcPattern::Stream);
    }

    // The window's report has the editor's settings, and no command-line flags anywhere.
    void reportHasTheEditorsSettingsAndNoCommandLineFlags()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("keepalive_timeout_proxy.pcap")));
        w.settingsEditor()->setFieldText(
            core::SettingSide::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("45000"));
        QTemporaryDir dir;
        // Refused until the capture is judged with the new setting, then written.
        QVERIFY(w.exportReportTo(dir.filePath(QStringLiteral("early.md"))).contains(u"worked out"_qs));
        QTRY_VERIFY_WITH_TIMEOUT(!w.findingsPending(), 10000);
        const QString path = dir.filePath(QStringLiteral("r.md"));
        QCOMPARE(w.exportReportTo(path), QString());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString md = QString::fromUtf8(f.readAll());
        QVERIFY2(md.contains(u"| client | keepalive_time_ms | 45000"_qs), qPrintable(md));
        QVERIFY2(!md.contains(u"--lb"_qs) && !md.contains(u"--settings"_qs),
            qPrintable(md.mid(std::max(md.indexOf(u"--lb"_qs), md.indexOf(u"--settings"_qs)) - 200, 300)));
        for (const auto& finding : w.findingsView()->findings()) {
            const QString text = QString::fromStdString(finding.title + finding.detail + finding.suggestion);
            QVERIFY2(!text.contains(u"--lb"_qs) && !text.contains(u"--settings"_qs), qPrintable(text));
        }
    }

    // A field that does not parse shows its parse error only (no lint about the half-typed value),
    // the summary counts it, and times take their unit.
    void settingsEditorShowsParseErrorsOnlyAndCountsThem()
    {
        ui::SettingsEditor editor;
        editor.resize(360, 700);
        editor.show();
        using S = core::SettingSide;
        const QString key = QStringLiteral("keepalive_time_ms");
        editor.setFieldText(S::Client, key, QStringLiteral("1"));
        QVERIFY(editor.valid());
        QVERIFY(!editor.fieldLint(S::Client, key).isEmpty()); // 1 ms pings: lint has words for it
        editor.setFieldText(S::Client, key, QStringLiteral("1.5x"));
        QVERIFY(!editor.valid());
        const QString note = editor.fieldLint(S::Client, key);
        QVERIFY2(note.contains(u"is not a time"_qs), qPrintable(note));
        QVERIFY2(!note.contains(u"\u26a0"_qs), qPrintable(note)); // no lint line beside the error
        QVERIFY(!editor.experiment().settings.isSet(S::Client, "keepalive_time_ms"));
        QVERIFY2(editor.summaryText().contains(u"1 field(s) do not parse"_qs), qPrintable(editor.summaryText()));
        editor.setFieldText(S::Server, QStringLiteral("keepalive_time_ms"), QStringLiteral("abc"));
        QCOMPARE(editor.parseErrors(), 2);
        QVERIFY2(editor.summaryText().contains(u"2 field(s) do not parse"_qs), qPrintable(editor.summaryText()));
        editor.setFieldText(S::Client, key, QStringLiteral("1.5s"));
        editor.setFieldText(S::Server, QStringLiteral("keepalive_time_ms"), QString());
        QVERIFY(editor.valid());
        QCOMPARE(editor.experiment().settings.value(S::Client, "keepalive_time_ms"), 1500);
        QVERIFY(!editor.summaryText().contains(u"do not parse"_qs));
        QCOMPARE(ui::SettingsEditor::parseValue(u"5min"_qs, core::SettingUnit::Milliseconds), qlonglong(300000));
        QCOMPARE(ui::SettingsEditor::parseValue(u"250 ms"_qs, core::SettingUnit::Milliseconds), qlonglong(250));
        QCOMPARE(ui::SettingsEditor::parseValue(u"2h"_qs, core::SettingUnit::Seconds), qlonglong(7200));
        QVERIFY(!ui::SettingsEditor::parseValue(u"0.5ms"_qs, core::SettingUnit::Milliseconds));
        QVERIFY(!ui::SettingsEditor::parseValue(u"1.5s"_qs, core::SettingUnit::Count));
    }

    // A reanalysis still running when another file opens never lands on the new file's findings.
    void staleReanalysisIsDropped()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("idle_reset_proxy.pcap")));
        w.profilePicker()->setSelectedNames({ QStringLiteral("aws-nlb") }); // starts a reanalysis
        QVERIFY(uitest::open(w, data("ping_healthy.pcapng")));
        const auto loaded = w.findingsView()->findings();
        QTest::qWait(300); // the stale job has long finished by now
        QCOMPARE(w.findingsView()->findings().size(), loaded.size());
        for (const auto& f : w.findingsView()->findings())
            QVERIFY(f.id != "lb-idle-timeout");
    }

    // The lab's shutdown is cut from the diagnosis: a GOAWAY NO_ERROR after an idle stretch is
    // max_connection_idle when the server sent it, nothing when it came after the user's Stop.
    void eventsFromTheShutdownOnAreNotDiagnosed()
    {
        ui::MainWindow w;
        QVERIFY(uitest::open(w, data("goaway_max_idle.pcap")));
        ui::FindingsInput in = ui::snapshotOf(*w.store());
        std::atomic<bool> cancel { false };
        const auto has = [](const std::vector<core::Finding>& findings, std::string_view id) {
            return std::any_of(findings.begin(), findings.end(), [id](const auto& f) { return f.id == id; });
        };
        QVERIFY(has(ui::analyzeSnapshot(in, cancel), "goaway-max-connection-idle"));
        std::optional<std::int64_t> goaway;
        for (std::size_t i = 0; i < w.store()->size() && !goaway; ++i)
            if (w.store()->record(i).type == core::EventType::Goaway)
                goaway = w.store()->record(i).relNs;
        QVERIFY(goaway);
        in.untilRelNs = *goaway - 1'000'000; // Stop pressed 1 ms before the GOAWAY
        const auto cut = ui::analyzeSnapshot(in, cancel);
        QVERIFY(!has(cut, "goaway-max-connection-idle"));
        for (const auto& f : cut)
            for (auto e : f.evidence)
                QVERIFY(w.store()->record(e).relNs < in.untilRelNs);
    }

    void emptyWindowSaysHowToStartAndTheTableHasAnIndexColumn()
    {
        ui::MainWindow w;
        w.resize(1024, 700);
        w.show();
        auto* stack = qobject_cast<QStackedWidget*>(w.centralWidget());
        QVERIFY(stack);
        QCOMPARE(stack->currentWidget(), static_cast<QWidget*>(w.startPage()));
        QStringList titles;
        for (auto* b : w.startPage()->entries())
            titles << b->text();
        QVERIFY2(titles.size() >= 3, qPrintable(titles.join(u", "_qs)));
        // The sample entry opens a bundled capture, the window shows its lanes.
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        for (auto* b : w.startPage()->entries())
            if (b->objectName() == u"openSample")
                QTest::mouseClick(b, Qt::LeftButton);
        QVERIFY(loaded.wait(10000));
        QVERIFY(loaded.constFirst().constFirst().toBool());
        QVERIFY(w.store()->size() > 0);
        QVERIFY(stack->currentWidget() != w.startPage());
        QCOMPARE(w.table()->model()->headerData(ui::EventTableModel::IndexColumn, Qt::Horizontal).toString(), u"#"_qs);
        QCOMPARE(w.table()->model()->data(w.table()->model()->index(5, ui::EventTableModel::IndexColumn)).toULongLong(),
            5ull);
    }

    // Toggling types in the filter menu leaves it open, so several can be switched in one go.
    void typeFilterMenuStaysOpenWhileTogglingTypes()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        QMenu* menu = w.typeFilterButton()->menu();
        menu->popup(w.mapToGlobal(QPoint(10, 10)));
        QVERIFY(QTest::qWaitForWindowExposed(menu));
        const int rows = w.table()->model()->rowCount();
        const auto actions = menu->actions();
        for (int i : { 9, 10 }) { // ping, ping_ack
            QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(actions[i]).center());
            QVERIFY(menu->isVisible());
            QVERIFY(!actions[i]->isChecked());
        }
        QTRY_VERIFY(w.table()->model()->rowCount() < rows);
        QCOMPARE(w.typeFilterButton()->text(), u"Event types (2 hidden)"_qs); // stays so for the next capture
        QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(actions[9]).center());
        QCOMPARE(w.typeFilterButton()->text(), u"Event types (1 hidden)"_qs);
        QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(actions[10]).center());
        QCOMPARE(w.typeFilterButton()->text(), u"Event types"_qs);
        QTRY_COMPARE(w.table()->model()->rowCount(), rows);
        menu->close();
    }
};

KS_QTEST_MAIN(TestWindowTruth)
#include "tst_window_truth.moc"
