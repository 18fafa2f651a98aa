// Start the lab from the window (embedded server on loopback, client pinging every second) and
// watch PING events arrive live; bounded in time.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/lab_panel.h"
#include "ui/lab_session.h"
#include "ui/lane_captions.h"
#include "ui/live_capture_panel.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"
#include "ui/timeline_view.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ks;

namespace {

using S = core::SettingSide;

// A client that pings every second without calls, against a server with gRPC's default ping
// policy (5 min): the server answers GOAWAY ENHANCE_YOUR_CALM "too_many_pings" after its strikes.
void pingTooOften(ui::SettingsEditor* settings)
{
    settings->setFieldText(S::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("1000"));
    settings->setFieldText(S::Client, QStringLiteral("keepalive_permit_without_calls"), QStringLiteral("1"));
    settings->setFieldText(S::Client, QStringLiteral("max_pings_without_data"), QStringLiteral("0")); // C-core: 2
}

bool startLab(ui::MainWindow& w)
{
    QSignalSpy started(&w, &ui::MainWindow::labStarted);
    QTest::mouseClick(w.labPanel()->startButton(), Qt::LeftButton);
    return started.wait(20000) && started.constFirst().constFirst().toBool();
}

bool stopLab(ui::MainWindow& w)
{
    QSignalSpy updated(&w, &ui::MainWindow::findingsUpdated);
    QTest::mouseClick(w.labPanel()->stopButton(), Qt::LeftButton);
    // The final analysis follows the stop.
    return QTest::qWaitFor([&] { return w.labPanel()->startButton()->isEnabled(); }, 20000)
        && (updated.count() > 0 || updated.wait(10000));
}

const core::Finding* findingOf(const ui::MainWindow& w, std::string_view id)
{
    for (const auto& f : w.findingsView()->findings())
        if (f.id == id)
            return &f;
    return nullptr;
}

QString findingIds(const ui::MainWindow& w)
{
    QStringList ids;
    for (const auto& f : w.findingsView()->findings())
        ids << QString::fromStdString(f.id + ": " + f.title);
    return ids.join(u"; "_qs);
}

} // namespace

class TestLabWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QSettings().clear(); }

    // Stop after a stream was open for a while: the lab closes its channel and its server, whose
    // GOAWAY comes milliseconds after the stream ended. That is the lab's shutdown, not the
    // server's max_connection_idle, and no finding may say otherwise.
    void stopAfterALongStreamDiagnosesNoIdleClose()
    {
        ui::MainWindow w;
        w.show();
        auto* pattern = w.labPanel()->patternBox();
        pattern->setCurrentIndex(pattern->findData(static_cast<int>(core::RpcPattern::Stream)));
        QVERIFY(startLab(w));
        QTest::qWait(3000);
        QVERIFY(stopLab(w));
        const std::int64_t shutdown = w.sources()->lab()->shutdownRelNs();
        std::size_t afterStop = 0;
        for (std::size_t i = 0; i < w.store()->size(); ++i)
            afterStop += w.store()->record(i).relNs >= shutdown ? 1 : 0;
        if (w.store()->connections().empty())
            QSKIP("no wire events: live capture needs CAP_NET_RAW here");
        // The shutdown's RST_STREAM, cancelled RPC and FINs (a GOAWAY too, when the server closes
        // first) are in the store, and no finding stands on them.
        QVERIFY2(afterStop >= 2, qPrintable(QString::number(afterStop)));
        QVERIFY2(!findingOf(w, "goaway-max-connection-idle"), qPrintable(findingIds(w)));
        for (const auto& f : w.findingsView()->findings())
            for (auto e : f.evidence)
                QVERIFY2(w.store()->record(e).relNs < shutdown, qPrintable(findingIds(w)));
        QVERIFY(w.timeline()->grab().width() > 0);
        // The lanes say the lab's Stop ended the connections it closed, not a diagnosis.
        std::size_t byStop = 0;
        for (std::size_t i = 0; i < w.store()->laneCount(); ++i) {
            const auto& lane = w.store()->lane(i);
            const QString said = w.timeline()->captions()->endOf(i).label;
            if (lane.closed() && lane.lastNs() >= shutdown) {
                QCOMPARE(said, QStringLiteral("ended by Stop"));
                ++byStop;
            }
            QVERIFY2(said != u"max idle"_qs, qPrintable(said));
        }
        QVERIFY(byStop >= 1);

        // Replacing these unsaved results asks first; "Keep them" keeps them.
        const std::size_t events = w.store()->size();
        const QString title = w.windowTitle();
        w.openCapture(QStringLiteral(KS_TEST_DATA_DIR "/goaway_too_many_pings.pcap"));
        auto* box = w.findChild<QMessageBox*>(QStringLiteral("replaceResults"));
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        for (auto* b : box->buttons())
            if (box->buttonRole(b) == QMessageBox::RejectRole)
                QTest::mouseClick(b, Qt::LeftButton);
        QTest::qWait(300);
        QCOMPARE(w.store()->size(), events);
        QCOMPARE(w.windowTitle(), title);

        // The report says how the Stop-closed connections ended as the lanes do, never "open"
        // for a connection whose FIN or RST is in it (it said "still open when the capture ended").
        QTemporaryDir dir;
        const QString report = dir.filePath(QStringLiteral("lab.json"));
        QCOMPARE(w.exportReportTo(report), QString());
        QFile file(report);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto conns = QJsonDocument::fromJson(file.readAll()).object().value(u"connections"_qs).toArray();
        QVERIFY(!conns.isEmpty());
        std::size_t reportedByStop = 0;
        for (const auto& v : conns) {
            const auto c = v.toObject();
            if (c.value(u"end"_qs).toString() == u"open"_qs)
                continue;
            QVERIFY2(
                c.value(u"end_cause"_qs).toString() != u"open"_qs, qPrintable(c.value(u"end_detail"_qs).toString()));
            reportedByStop += c.value(u"end_detail"_qs).toString().contains(u"lab's own shutdown"_qs) ? 1 : 0;
        }
        QCOMPARE(reportedByStop, byStop);

        // Saved in a report, the results are replaced without asking.
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(QStringLiteral(KS_TEST_DATA_DIR "/goaway_too_many_pings.pcap"));
        QVERIFY(loaded.wait(10000));
        QVERIFY(!w.findChild<QMessageBox*>(QStringLiteral("replaceResults"))
            || !w.findChild<QMessageBox*>(QStringLiteral("replaceResults"))->isVisible());
        QVERIFY(w.windowTitle().startsWith(u"goaway_too_many_pings.pcap"_qs));
    }

    // The diagnosis arrives while the lab runs, not only after Stop.
    void findingsArriveWhileTheLabRuns()
    {
        ui::MainWindow w;
        w.show();
        pingTooOften(w.settingsEditor());
        QVERIFY(startLab(w));
        const bool seen = QTest::qWaitFor([&] { return findingOf(w, "goaway-too-many-pings") != nullptr; }, 20000);
        const bool stillRunning = w.sources()->running();
        QVERIFY(stopLab(w));
        QVERIFY2(seen, qPrintable(findingIds(w)));
        QVERIFY(stillRunning);
        QVERIFY(w.timeline()->nowSeconds() == std::nullopt); // the "now" line went with the run
    }

    // Without capture permission (run under setpriv by ctest's ui_tst_lab_no_capture) the lab
    // still diagnoses what its channel saw, and the reason there is no wire stays on screen.
    void labWithoutCapturePermissionDiagnosesTheChannelsRpcs()
    {
        ui::MainWindow w;
        w.show();
        pingTooOften(w.settingsEditor());
        auto* pattern = w.labPanel()->patternBox();
        pattern->setCurrentIndex(pattern->findData(static_cast<int>(core::RpcPattern::Stream)));
        QVERIFY(startLab(w));
        if (w.sources()->lab()->warnings().isEmpty()) {
            QTest::mouseClick(w.labPanel()->stopButton(), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(w.labPanel()->startButton()->isEnabled(), 20000);
            QSKIP("capture is permitted here; ctest runs this without CAP_NET_RAW as ui_tst_lab_no_capture");
        }
        const auto statusText = [&w] { return w.labPanel()->findChild<QLabel*>(QStringLiteral("labStatus"))->text(); };
        QVERIFY2(statusText().contains(u"permission"_qs, Qt::CaseInsensitive), qPrintable(statusText()));
        const bool seen = QTest::qWaitFor([&] { return findingOf(w, "goaway-too-many-pings") != nullptr; }, 25000);
        QVERIFY(stopLab(w));
        QVERIFY2(seen || findingOf(w, "goaway-too-many-pings"), qPrintable(findingIds(w)));
        QVERIFY2(statusText().contains(u"permission"_qs, Qt::CaseInsensitive), qPrintable(statusText()));
    }

    // Closing the window while the lab runs returns at once; the lab ends in the background.
    void closingDuringALabRunReturnsAtOnce()
    {
        auto* w = new ui::MainWindow;
        w->show();
        QVERIFY(startLab(*w));
        QTest::qWait(500);
        QElapsedTimer timer;
        timer.start();
        w->close();
        delete w;
        const auto ms = timer.elapsed();
        // LabRunner::stop alone waits 150 ms for the capture to read the last packets.
        QVERIFY2(ms < 120, qPrintable(QStringLiteral("close took %1 ms").arg(ms)));
    }

    void labStartedFromWindowDeliversPingsLive()
    {
        ui::MainWindow w;
        w.resize(1200, 800);
        w.show();
        auto* settings = w.settingsEditor();
        using S = core::SettingSide;
        settings->setFieldText(S::Client, QStringLiteral("keepalive_time_ms"), QStringLiteral("1000"));
        settings->setFieldText(S::Client, QStringLiteral("keepalive_permit_without_calls"), QStringLiteral("1"));
        settings->setFieldText(S::Server, QStringLiteral("keepalive_permit_without_calls"), QStringLiteral("1"));
        settings->setFieldText(S::Server, QStringLiteral("min_ping_interval_without_data_ms"), QStringLiteral("500"));
        QVERIFY(settings->valid());

        QSignalSpy started(&w, &ui::MainWindow::labStarted);
        QTest::mouseClick(w.labPanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(20000));
        QVERIFY(started.constFirst().constFirst().toBool());

        QElapsedTimer timer;
        timer.start();
        auto pings = [&w] {
            std::size_t n = 0;
            for (std::size_t i = 0; i < w.store()->size(); ++i)
                n += w.store()->record(i).type == core::EventType::Ping ? 1 : 0;
            return n;
        };
        while (pings() < 2 && timer.elapsed() < 15000)
            QTest::qWait(100);
        const auto seen = pings();
        // The lanes name their endpoints while the lab runs, not only once it stopped.
        for (std::size_t i = 0; seen > 0 && i < w.store()->size(); ++i) {
            if (w.store()->record(i).type != core::EventType::Ping)
                continue;
            const auto conn = w.store()->record(i).conn;
            QTRY_VERIFY_WITH_TIMEOUT(w.store()->connection(conn) != nullptr, 2000);
            QVERIFY(w.store()->connection(conn)->server.starts_with("127.0.0.1:"));
            QVERIFY(w.store()->connection(conn)->client.starts_with("127.0.0.1:"));
            break;
        }
        // KS_SCREENSHOT_DIR=dir: keep a picture of the window in this state (docs/).
        if (qEnvironmentVariableIsSet("KS_SCREENSHOT_DIR")) {
            QTest::qWait(2000);
            w.grab().save(qEnvironmentVariable("KS_SCREENSHOT_DIR") + QStringLiteral("/lab.png"));
        }
        QTest::mouseClick(w.labPanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.labPanel()->startButton()->isEnabled(), 15000);
        if (seen == 0 && w.store()->size() > 0)
            QSKIP("the lab ran but no wire events: live capture needs CAP_NET_RAW here");
        QVERIFY2(seen >= 2, qPrintable(QStringLiteral("PINGs seen: %1, events: %2").arg(seen).arg(w.store()->size())));
    }

    void liveCaptureOnLoopbackWithFilterSeesHandshakeAndSaves()
    {
        // A listening socket on loopback, and a filter that only lets its port through.
        const int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        QCOMPARE(::listen(server, 4), 0);
        socklen_t len = sizeof addr;
        ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
        const int port = ntohs(addr.sin_port);

        QTemporaryDir dir;
        const QString save = dir.filePath(QStringLiteral("live.pcap"));
        ui::MainWindow w;
        w.show();
        w.livePanel()->setDevice(QStringLiteral("lo"));
        w.livePanel()->setFilter(QStringLiteral("tcp port %1").arg(port));
        w.livePanel()->setSavePath(save);
        QSignalSpy started(&w, &ui::MainWindow::liveCaptureStarted);
        QTest::mouseClick(w.livePanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(10000));
        if (!started.constFirst().constFirst().toBool())
            QSKIP("live capture on lo is not permitted here (needs CAP_NET_RAW)");
        QTest::qWait(200);
        const int client = ::socket(AF_INET, SOCK_STREAM, 0);
        QCOMPARE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        const int accepted = ::accept(server, nullptr, nullptr);
        ::close(client);
        ::close(accepted);
        ::close(server);
        QTRY_VERIFY_WITH_TIMEOUT(
            w.store()->laneCount() >= 1 && w.store()->lane(0).times(core::EventType::Syn).size() >= 2, 10000);
        QTest::mouseClick(w.livePanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->startButton()->isEnabled(), 10000);
        QCOMPARE(w.store()->connections().size(), std::size_t(1));
        QVERIFY(QFileInfo(save).size() > 24); // pcap header and the handshake's packets
    }
};

KS_QTEST_MAIN(TestLabWindow)
#include "tst_lab_window.moc"
