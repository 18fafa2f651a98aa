// Start the lab from the window (embedded server on loopback, client pinging every second) and
// watch PING events arrive live; bounded in time.
#include "qtest_main.h"

#include "ui/event_store.h"
#include "ui/lab_panel.h"
#include "ui/live_capture_panel.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ks;

class TestLabWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
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
