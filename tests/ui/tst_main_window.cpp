// The window on a reference capture: lanes and markers, a click on a marker selects its row, a
// row selects its marker, a finding rings its evidence, LB crossings are drawn, exports are real.
#include "qtest_main.h"

#include "ui/event_filter_proxy.h"
#include "ui/event_store.h"
#include "ui/event_table_model.h"
#include "ui/findings_view.h"
#include "ui/lab_panel.h"
#include "ui/lb_profile_picker.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"
#include "ui/timeline_layer.h"
#include "ui/timeline_view.h"
#include "window_test_support.h"

#include <QComboBox>
#include <QFile>
#include <QHeaderView>
#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>

#include <set>

using namespace ks;
using uitest::data;

class TestMainWindow : public QObject {
    Q_OBJECT

    static std::optional<std::size_t> firstOf(const ui::EventStore& store, core::EventType type)
    {
        for (std::size_t i = 0; i < store.size(); ++i)
            if (store.record(i).type == type)
                return i;
        return std::nullopt;
    }

private Q_SLOTS:
    void opensCaptureIntoLanesAndMarkers()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        const auto& store = *w.store();
        QCOMPARE(store.laneCount(), std::size_t(1));
        const auto& lane = store.lane(0);
        QVERIFY(lane.times(core::EventType::Ping).size() >= 4);
        QVERIFY(lane.times(core::EventType::PingAck).size() >= 4);
        QCOMPARE(lane.times(core::EventType::Goaway).size(), std::size_t(1));
        QCOMPARE(lane.times(core::EventType::Syn).size(), std::size_t(2));
        QCOMPARE(w.table()->model()->rowCount(), static_cast<int>(store.size()));
        w.timeline()->replot();
        QVERIFY(w.timeline()->layerItem()->drawnMarkers() >= 10);
        QVERIFY(!w.findingsView()->findings().empty());
    }

    void clickingMarkerSelectsTableRowAndBack()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        w.timeline()->replot();
        const auto goaway = firstOf(*w.store(), core::EventType::Goaway);
        QVERIFY(goaway);
        const QPointF p = w.timeline()->markerPosition(*goaway);
        QVERIFY(w.timeline()->axisRect()->rect().contains(p.toPoint()));
        QCOMPARE(w.timeline()->eventAt(p), goaway);
        QSignalSpy clicked(w.timeline(), &ui::TimelineView::eventClicked);
        QTest::mouseClick(w.timeline(), Qt::LeftButton, {}, p.toPoint());
        QCOMPARE(clicked.count(), 1);
        const QModelIndex current = w.table()->selectionModel()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(w.proxy()->eventAt(current.row()), *goaway);

        // And the other way: selecting a row selects its marker.
        const auto ping = firstOf(*w.store(), core::EventType::Ping);
        w.table()->selectionModel()->setCurrentIndex(w.proxy()->index(w.proxy()->rowForEvent(*ping), 0),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(w.timeline()->selectedEvent(), ping);
        QVERIFY(w.timeline()->tooltipFor(*ping).contains(u"PING"_qs));
    }

    // A header click sorts on a worker, with a status-bar cue; markers still select their rows in
    // the sorted table and rows their markers.
    void headerClickSortsInTheBackgroundAndSelectionStillFollows()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        w.timeline()->replot();
        QSignalSpy started(w.proxy(), &ui::EventFilterProxy::sortStarted);
        QSignalSpy finished(w.proxy(), &ui::EventFilterProxy::sortFinished);
        auto* header = w.table()->horizontalHeader();
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {},
            QPoint(header->sectionViewportPosition(ui::EventTableModel::TypeColumn) + 10, header->height() / 2));
        QCOMPARE(started.count(), 1);
        QVERIFY(w.statusBar()->currentMessage().startsWith(u"Sorting"_qs));
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(w.proxy()->sortColumn(), int(ui::EventTableModel::TypeColumn));
        QCOMPARE(w.statusBar()->currentMessage(), u"Sorted."_qs);
        const auto& store = *w.store();
        for (int r = 1; r < w.proxy()->rowCount(); ++r)
            QVERIFY(store.record(w.proxy()->eventAt(r - 1)).type <= store.record(w.proxy()->eventAt(r)).type);

        const auto goaway = firstOf(store, core::EventType::Goaway);
        QVERIFY(goaway);
        QTest::mouseClick(w.timeline(), Qt::LeftButton, {}, w.timeline()->markerPosition(*goaway).toPoint());
        QCOMPARE(w.proxy()->eventAt(w.table()->selectionModel()->currentIndex().row()), *goaway);
        const auto ping = firstOf(store, core::EventType::Ping);
        w.table()->selectionModel()->setCurrentIndex(w.proxy()->index(w.proxy()->rowForEvent(*ping), 0),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(w.timeline()->selectedEvent(), ping);

        // Sorting again keeps the current row on its event.
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {},
            QPoint(header->sectionViewportPosition(ui::EventTableModel::ConnColumn) + 10, header->height() / 2));
        QTRY_COMPARE(finished.count(), 2);
        QCOMPARE(w.proxy()->eventAt(w.table()->selectionModel()->currentIndex().row()), *ping);
    }

    void findingShowsItsEvidence()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        const auto& findings = w.findingsView()->findings();
        int withEvidence = -1;
        for (std::size_t i = 0; i < findings.size(); ++i)
            if (!findings[i].evidence.empty()) {
                withEvidence = static_cast<int>(i);
                break;
            }
        QVERIFY(withEvidence >= 0);
        w.findingsView()->activate(withEvidence);
        const auto first = findings[static_cast<std::size_t>(withEvidence)].evidence.front();
        QCOMPARE(w.proxy()->eventAt(w.table()->selectionModel()->currentIndex().row()), first);
        const double t = static_cast<double>(w.store()->record(first).relNs) * 1e-9;
        QVERIFY(w.timeline()->xAxis->range().contains(t));
    }

    void lbProfileCrossingsAreDrawnBeyondTheTimeout()
    {
        QTemporaryDir dir;
        const QString profile = dir.filePath(QStringLiteral("lb.json"));
        QFile f(profile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format":"keepalive-scope-lb-profiles","version":1,"profiles":[{"name":"test-lb","title":"Test LB",
                   "idle_timeout_s":0.5,"on_expiry":"rst","tcp_keepalive_resets_idle":true,"source":"test"}]})");
        f.close();
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(uitest::open(w, data("keepalive_timeout_proxy.pcap")));
        w.timeline()->replot();
        QCOMPARE(w.timeline()->layerItem()->drawnCrossings(), std::size_t(0));
        QCOMPARE(w.profilePicker()->addProfileFile(profile), QString());
        w.profilePicker()->setSelectedNames({ QStringLiteral("test-lb") });
        QCOMPARE(w.timeline()->profiles().size(), std::size_t(1));
        w.timeline()->replot();
        QVERIFY(w.timeline()->layerItem()->drawnCrossings() >= 2); // both connections idle > 0.5 s
    }

    void exportsPngThatIsNotBlankAndSettingsSnippets()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("t.png"));
        QString error;
        QVERIFY2(w.timeline()->exportTo(png, 1200, 500, &error), qPrintable(error));
        QImage image(png);
        QCOMPARE(image.size(), QSize(1200, 500));
        std::set<QRgb> colors;
        for (int y = 0; y < image.height(); y += 3)
            for (int x = 0; x < image.width(); x += 3)
                colors.insert(image.pixel(x, y));
        QVERIFY2(colors.size() > 20, qPrintable(QString::number(colors.size())));
        QVERIFY(w.timeline()->exportTo(dir.filePath(QStringLiteral("t.pdf")), 1200, 500, &error));
        QVERIFY(QFileInfo(dir.filePath(QStringLiteral("t.pdf"))).size() > 1000);

        w.settingsEditor()->setFieldText(
            core::SettingSide::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("30000"));
        QCOMPARE(w.exportSettingsTo(dir.filePath(QStringLiteral("k.go"))), QString());
        QFile go(dir.filePath(QStringLiteral("k.go")));
        QVERIFY(go.open(QIODevice::ReadOnly));
        QVERIFY(go.readAll().contains("Time: 30 * time.Second"));

        const QString report = dir.filePath(QStringLiteral("report.md"));
        // A field that does not parse would be reported as its default: the export refuses, names
        // the red fields and writes nothing; fixed, it writes.
        w.settingsEditor()->setFieldText(
            core::SettingSide::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("abc"));
        const QString refused = w.exportReportTo(report);
        QVERIFY2(refused.contains(u"marked in red"_qs), qPrintable(refused));
        QVERIFY(!QFileInfo::exists(report));
        w.settingsEditor()->setFieldText(
            core::SettingSide::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("30000"));
        QTRY_VERIFY_WITH_TIMEOUT(!w.findingsPending(), 10000); // judged with the fixed field first
        QCOMPARE(w.exportReportTo(report), QString());
        QFile md(report);
        QVERIFY(md.open(QIODevice::ReadOnly));
        QVERIFY(md.readAll().contains("too_many_pings"));
    }

    void timelineFollowsTheSystemPalette()
    {
        ui::MainWindow w;
        w.show();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        const QPalette before = QApplication::palette();
        QApplication::setPalette(dark);
        QCoreApplication::processEvents();
        QCOMPARE(w.timeline()->axisRect()->backgroundBrush().color(), QColor(0x1e, 0x1e, 0x1e));
        QCOMPARE(w.timeline()->xAxis->tickLabelColor(), QColor(0xe0, 0xe0, 0xe0));
        QApplication::setPalette(before);
    }

    void settingsEditorValidatesAndShowsLintBesideTheField()
    {
        ui::SettingsEditor editor;
        editor.setFieldText(core::SettingSide::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("abc"));
        QVERIFY(!editor.valid());
        QVERIFY(!editor.fieldError(core::SettingSide::Client, QStringLiteral("keepalive_time_ms")).isEmpty());
        editor.setFieldText(core::SettingSide::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("1000"));
        QVERIFY(editor.valid());
        QCOMPARE(editor.experiment().settings.value(core::SettingSide::Client, "keepalive_time_ms"), 1000);
        // 1 s pings are below the server's default 5 min minimum: lint says so beside the field.
        QVERIFY(!editor.lint().empty());
        QVERIFY(!editor.fieldLint(core::SettingSide::Client, QStringLiteral("keepalive_time_ms")).isEmpty());
        editor.setFieldText(core::SettingSide::Client, QStringLiteral("keepalive_time_ms"), QString());
        QVERIFY(!editor.experiment().settings.isSet(core::SettingSide::Client, "keepalive_time_ms"));
    }

    // A loaded experiment's target (TLS, CA file), RPC plan and simulator appear in the lab panel,
    // a custom simulator included, and what the panel shows is what Save writes back.
    void experimentFileTargetAndSimulatorGoThroughTheLabPanel()
    {
        QTemporaryDir dir;
        core::Experiment ex;
        ex.settings.set(core::SettingSide::Client, "keepalive_time_ms", 20000);
        ex.target.embedded = false;
        ex.target.address = "127.0.0.1:50443";
        ex.target.tls = true;
        ex.target.caFile = dir.filePath(QStringLiteral("ca.pem")).toStdString();
        ex.rpc.pattern = core::RpcPattern::Unary;
        ex.rpc.intervalS = 3;
        ex.rpc.method = "/shop.Cart/Get";
        core::SimulatorPlan plan;
        plan.idleTimeoutS = 2;
        plan.onExpiry = core::LbExpiryAction::SilentDrop;
        plan.tcpKeepaliveResetsIdle = false;
        ex.simulator = plan;
        const QString in = dir.filePath(QStringLiteral("in.json"));
        QCOMPARE(QString::fromStdString(core::saveExperiment(ex, in.toStdString())), QString());

        ui::MainWindow w;
        QCOMPARE(w.settingsEditor()->load(in), QString());
        const core::Experiment shown = w.labPanel()->apply(w.settingsEditor()->experiment());
        QVERIFY(shown.target == ex.target);
        QVERIFY(shown.rpc == ex.rpc);
        QVERIFY(shown.simulator == ex.simulator);
        QVERIFY(w.labPanel()->patternBox()->currentText().contains(QStringLiteral("unary")));

        // Change the pattern in the panel, save: the file has the panel's pattern and keeps the rest.
        auto* pattern = w.labPanel()->patternBox();
        pattern->setCurrentIndex(pattern->findData(static_cast<int>(core::RpcPattern::Stream)));
        const QString out = dir.filePath(QStringLiteral("out.json"));
        QCOMPARE(w.settingsEditor()->save(out), QString());
        const auto saved = core::loadExperiment(out.toStdString());
        QVERIFY(saved.experiment);
        QCOMPARE(saved.experiment->rpc.pattern, core::RpcPattern::Stream);
        QVERIFY(saved.experiment->target == ex.target);
        QVERIFY(saved.experiment->simulator == ex.simulator);
        QCOMPARE(saved.experiment->settings.value(core::SettingSide::Client, "keepalive_time_ms"), 20000);

        // A catalogue profile chosen in the panel replaces the custom simulator.
        ex.simulator.reset();
        ex.target = core::Target {};
        const QString plain = dir.filePath(QStringLiteral("plain.json"));
        QCOMPARE(QString::fromStdString(core::saveExperiment(ex, plain.toStdString())), QString());
        QCOMPARE(w.settingsEditor()->load(plain), QString());
        const core::Experiment direct = w.labPanel()->apply(w.settingsEditor()->experiment());
        QVERIFY(!direct.simulator);
        QVERIFY(direct.target.embedded);
        QVERIFY(direct.target.caFile.empty());
        QSettings().remove(QStringLiteral("lastExperiment"));
    }
};

KS_QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
