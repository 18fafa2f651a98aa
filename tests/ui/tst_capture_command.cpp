// Live capture from a capture command, as a user runs it from the window: a real tcpdump on
// loopback streaming onto the timeline, the same pcap stream that `analyze -` reads giving the
// same events, commands that fail (their exit status and stderr shown), a command that ends by
// itself, Stop while a command has not written its header yet, and the command remembered.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/capture_command_panel.h"
#include "ui/capture_loader.h"
#include "ui/event_store.h"
#include "ui/live_capture_panel.h"
#include "ui/main_window.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ks;

namespace {

constexpr int kPort = 50400; // this test's fixed loopback port

std::size_t countOf(const ui::EventStore& store, core::EventType type)
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < store.size(); ++i)
        n += store.record(i).type == type ? 1 : 0;
    return n;
}

// Starts the window's live capture on a command; returns whether it started.
bool startCommand(ui::MainWindow& w, const QString& command)
{
    w.livePanel()->setUseCommand(true);
    w.livePanel()->setCommand(command);
    QSignalSpy started(&w, &ui::MainWindow::liveCaptureStarted);
    QTest::mouseClick(w.livePanel()->startButton(), Qt::LeftButton);
    if (!started.wait(15000))
        return false;
    return started.constFirst().constFirst().toBool();
}

} // namespace

class TestCaptureCommand : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QSettings().clear(); }

    void tcpdumpCommandStreamsLoopbackTrafficLive()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("tcpdump")).isEmpty())
            QSKIP("tcpdump is not installed (Debian package tcpdump)");
        const int server = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(kPort);
        QCOMPARE(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        QCOMPARE(::listen(server, 4), 0);

        ui::MainWindow w;
        w.show();
        const QString command = QStringLiteral("tcpdump -i lo -U -w - 'tcp port %1'").arg(kPort);
        if (!startCommand(w, command)) {
            ::close(server);
            if (w.livePanel()->status().contains(QLatin1String("ermission")))
                QSKIP("tcpdump may not capture on lo here (needs CAP_NET_RAW)");
            QFAIL(qPrintable(w.livePanel()->status()));
        }
        QVERIFY(!w.livePanel()->startButton()->isEnabled());
        // tcpdump says where it listens on stderr; the panel shows it while it runs.
        QTRY_VERIFY_WITH_TIMEOUT(
            w.livePanel()->commandPanel()->output().contains(QLatin1String("listening on lo")), 5000);

        // Three connections, made after the command started: they must appear while it runs.
        for (int i = 0; i < 3; ++i) {
            const int client = ::socket(AF_INET, SOCK_STREAM, 0);
            QCOMPARE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
            const int accepted = ::accept(server, nullptr, nullptr);
            QCOMPARE(::write(client, "ping", 4), 4);
            ::close(client);
            ::close(accepted);
        }
        ::close(server);
        QTRY_VERIFY_WITH_TIMEOUT(countOf(*w.store(), core::EventType::Syn) >= 6, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(w.store()->laneCount() >= 3, 5000);
        QVERIFY(w.livePanel()->stopButton()->isEnabled()); // still live

        QTest::mouseClick(w.livePanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->startButton()->isEnabled(), 10000);
        QCOMPARE(w.store()->connections().size(), std::size_t(3));
        for (const auto& c : w.store()->connections())
            QVERIFY2(c.server == "127.0.0.1:" + std::to_string(kPort), c.server.c_str());
        // Stopped by us: no failure shown.
        QVERIFY(!w.livePanel()->status().contains(QLatin1String("#d62728")));

        // Remembered: the next window (the next session) comes up on the same command.
        QCOMPARE(QSettings().value(QStringLiteral("liveCapture/command")).toString(), command);
        ui::LiveCapturePanel next;
        QVERIFY(next.usesCommand());
        QCOMPARE(next.command(), command);
        QCOMPARE(ui::CaptureCommandPanel::history().value(0), command);
    }

    // A command that streams a capture file: the events are those the file gives when opened
    // (one PacketSource reads files, `analyze -` and commands), and its own end is reported.
    void commandThatEndsShowsItsExitAndStderrAndKeepsEvents()
    {
        const QString file = QStringLiteral(KS_TEST_DATA_DIR "/goaway_too_many_pings.pcap");
        std::atomic<bool> cancel { false };
        const auto direct = ui::loadCapture(
            file.toStdString(), {}, [](ui::EventBatch&&) {}, cancel);
        QVERIFY(direct.error.isEmpty());

        ui::MainWindow w;
        w.show();
        QVERIFY(startCommand(
            w, QStringLiteral("cat '%1'; echo 'Connection to host closed by remote host.' >&2; exit 255").arg(file)));
        // It ends by itself: the session stops, and says how the command ended.
        QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->startButton()->isEnabled(), 10000);
        const QString output = w.livePanel()->commandPanel()->output();
        QVERIFY2(output.contains(QLatin1String("exited with status 255")), qPrintable(output));
        QVERIFY2(output.contains(QLatin1String("Connection to host closed by remote host.")), qPrintable(output));
        QCOMPARE(w.store()->connections().size(), direct.connections.size());
        std::uint64_t directPings = 0;
        for (const auto& c : direct.connections)
            directPings += c.count(core::EventType::Ping);
        QVERIFY(directPings > 0);
        QCOMPARE(countOf(*w.store(), core::EventType::Ping), directPings);
        QCOMPARE(countOf(*w.store(), core::EventType::Goaway), std::size_t(1));
    }

    void failingCommandsShowExitStatusAndStderr_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("false") << QStringLiteral("false") << QStringList { QStringLiteral("exited with status 1") };
        QTest::newRow("missing program") << QStringLiteral("ks-no-such-capture-program -w -")
                                         << QStringList { QStringLiteral("exited with status 127"),
                                                QStringLiteral("not found") };
        QTest::newRow("ssh-like failure")
            << QStringLiteral("echo 'ssh: connect to host db1 port 22: Connection refused' >&2; exit 255")
            << QStringList { QStringLiteral("exited with status 255"), QStringLiteral("Connection refused") };
        QTest::newRow("text, not a capture")
            << QStringLiteral("echo 'tcpdump: listening on lo'; echo '12:00:00 IP 127.0.0.1 > 127.0.0.1'; sleep 30")
            << QStringList { QStringLiteral("not a pcap or pcapng capture"), QStringLiteral("tcpdump -U -w -") };
    }

    void failingCommandsShowExitStatusAndStderr()
    {
        QFETCH(QString, command);
        QFETCH(QStringList, expected);
        ui::MainWindow w;
        w.show();
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!startCommand(w, command));
        QVERIFY(timer.elapsed() < 10000);
        QVERIFY(w.livePanel()->startButton()->isEnabled());
        const QString status = w.livePanel()->status();
        for (const QString& e : expected)
            QVERIFY2(status.contains(e), qPrintable(status));
    }

    void stopWhileTheCommandHasNotStartedCancelsIt()
    {
        ui::MainWindow w;
        w.show();
        w.livePanel()->setUseCommand(true);
        w.livePanel()->setCommand(QStringLiteral("sleep 30"));
        QSignalSpy started(&w, &ui::MainWindow::liveCaptureStarted);
        QTest::mouseClick(w.livePanel()->startButton(), Qt::LeftButton);
        QTest::qWait(300);
        QVERIFY(w.livePanel()->stopButton()->isEnabled());
        QElapsedTimer timer;
        timer.start();
        QTest::mouseClick(w.livePanel()->stopButton(), Qt::LeftButton);
        QVERIFY(started.wait(5000));
        QVERIFY(timer.elapsed() < 4000);
        QVERIFY(!started.constFirst().constFirst().toBool());
        QVERIFY2(w.livePanel()->status().contains(QLatin1String("stopped before it wrote a capture header")),
            qPrintable(w.livePanel()->status()));
        QVERIFY(w.livePanel()->startButton()->isEnabled());
    }
};

KS_QTEST_MAIN(TestCaptureCommand)
#include "tst_capture_command.moc"
