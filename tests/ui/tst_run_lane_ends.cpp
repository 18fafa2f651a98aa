// While a live capture or a lab run goes on, each lane says how its connection ended as soon as
// the analysis knows (within a second), in the words it keeps after Stop and that `analyze` uses:
// "too many pings" for a GOAWAY too_many_pings, "refused" for a SYN answered by RST. A lab against
// a port nothing listens on says so as a finding. Real grpc (C-core via python3-grpcio), real
// capture on loopback (ports 51400-51449); bounded in time.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/lab_panel.h"
#include "ui/lane_captions.h"
#include "ui/live_capture_panel.h"
#include "ui/main_window.h"
#include "ui/source_controller.h"
#include "ui/timeline_view.h"

#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ks;

namespace {

const ui::LaneEnd* laneSaying(const ui::MainWindow& w, const QString& label, ui::LaneEnd& out)
{
    for (std::size_t i = 0; i < w.store()->laneCount(); ++i) {
        out = w.timeline()->captions()->endOf(i);
        if (out.label == label)
            return &out;
    }
    return nullptr;
}

// The captions of the lanes that are TCP connections (a lab's channel may have a lane without).
QStringList laneLabels(const ui::MainWindow& w)
{
    QStringList labels;
    for (std::size_t i = 0; i < w.store()->laneCount(); ++i)
        if (w.store()->connection(w.store()->lane(i).conn()))
            labels << w.timeline()->captions()->endOf(i).label;
    return labels;
}

const core::Finding* findingOf(const ui::MainWindow& w, std::string_view id)
{
    for (const auto& f : w.findingsView()->findings())
        if (f.id == id)
            return &f;
    return nullptr;
}

// A connect to a loopback port nothing listens on: the kernel answers the SYN with RST.
bool connectRefused(int port)
{
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool refused = ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
    ::close(s);
    return refused;
}

QProcess* kspy(QObject* parent, const QStringList& args)
{
    auto* p = new QProcess(parent);
    p->setProcessChannelMode(QProcess::ForwardedChannels);
    p->start(QStringLiteral("timeout"),
        QStringList {
            QStringLiteral("30"), QStringLiteral("/usr/bin/python3"), QStringLiteral(KS_TEST_DATA_DIR "/gen/kspy.py") }
            + args);
    return p;
}

} // namespace

class TestRunLaneEnds : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QSettings().clear(); }

    // The field tester's sequence: live capture on lo, then a C-core client pinging every second
    // against a C-core server (GOAWAY too_many_pings, then FIN), and a refused connect.
    void liveCaptureLanesNameTheEndWhileItRuns()
    {
        constexpr int kPort = 51410, kClosed = 51411;
        ui::MainWindow w;
        w.show();
        w.livePanel()->setDevice(QStringLiteral("lo"));
        w.livePanel()->setFilter(QStringLiteral("tcp port %1 or tcp port %2").arg(kPort).arg(kClosed));
        QSignalSpy started(&w, &ui::MainWindow::liveCaptureStarted);
        QTest::mouseClick(w.livePanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(10000));
        if (!started.constFirst().constFirst().toBool())
            QSKIP("live capture on lo is not permitted here (needs CAP_NET_RAW)");
        const QString addr = QStringLiteral("127.0.0.1:%1").arg(kPort);
        QObject procs;
        QProcess* server = kspy(&procs,
            { QStringLiteral("server"), QStringLiteral("--addr"), addr, QStringLiteral("--life"),
                QStringLiteral("14") });
        QTest::qWait(1500);
        QVERIFY(connectRefused(kClosed));
        QProcess* client = kspy(&procs,
            { QStringLiteral("client"), QStringLiteral("--addr"), addr, QStringLiteral("--rpcs"), QStringLiteral("1"),
                QStringLiteral("--interval"), QStringLiteral("0.5"), QStringLiteral("--idle"), QStringLiteral("6"),
                QStringLiteral("-o"), QStringLiteral("grpc.keepalive_time_ms=1000"), QStringLiteral("-o"),
                QStringLiteral("grpc.keepalive_permit_without_calls=1"), QStringLiteral("-o"),
                QStringLiteral("grpc.http2.max_pings_without_data=0") });
        ui::LaneEnd pings, refused;
        const bool named = QTest::qWaitFor(
            [&] {
                return laneSaying(w, QStringLiteral("too many pings"), pings)
                    && laneSaying(w, QStringLiteral("refused"), refused);
            },
            25000);
        const bool stillRunning = w.sources()->running();
        const QStringList whileRunning = laneLabels(w);
        const bool findingWhileRunning = findingOf(w, "goaway-too-many-pings") != nullptr;
        QTest::mouseClick(w.livePanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->startButton()->isEnabled(), 15000);
        for (QProcess* p : { client, server }) {
            p->terminate();
            p->waitForFinished(5000);
        }
        QVERIFY2(named, qPrintable(whileRunning.join(u", "_qs)));
        QVERIFY(stillRunning);
        QVERIFY(findingWhileRunning);
        QVERIFY2(!whileRunning.contains(u"closed"_qs), qPrintable(whileRunning.join(u", "_qs)));
        QVERIFY2(refused.detail.startsWith(u"refused: its SYN was answered by RST"_qs), qPrintable(refused.detail));
        // After Stop the full analysis says the same.
        QTRY_VERIFY_WITH_TIMEOUT(
            laneSaying(w, QStringLiteral("too many pings"), pings) && laneSaying(w, QStringLiteral("refused"), refused),
            10000);
    }

    // The lab against 127.0.0.1:<a port nothing listens on>: lanes "refused" while it runs and
    // after Stop, and a finding saying the target refused every connection.
    void labAgainstARefusingTargetSaysRefused()
    {
        constexpr int kClosed = 51412;
        QVERIFY(connectRefused(kClosed));
        ui::MainWindow w;
        w.show();
        auto* target = w.labPanel()->findChild<QLineEdit*>(QStringLiteral("labTarget"));
        QVERIFY(target);
        target->setText(QStringLiteral("127.0.0.1:%1").arg(kClosed));
        QSignalSpy started(&w, &ui::MainWindow::labStarted);
        QTest::mouseClick(w.labPanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(20000));
        QVERIFY(started.constFirst().constFirst().toBool());
        ui::LaneEnd lane;
        const bool seen = QTest::qWaitFor(
            [&] { return laneSaying(w, QStringLiteral("refused"), lane) && findingOf(w, "lab-target-refused"); },
            20000);
        const bool stillRunning = w.sources()->running();
        const QStringList whileRunning = laneLabels(w);
        QSignalSpy updated(&w, &ui::MainWindow::findingsUpdated);
        QTest::mouseClick(w.labPanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.labPanel()->startButton()->isEnabled(), 20000);
        QVERIFY(updated.count() > 0 || updated.wait(10000));
        if (!seen && w.store()->connections().empty())
            QSKIP("no wire events: live capture needs CAP_NET_RAW here");
        QVERIFY2(seen, qPrintable(whileRunning.join(u", "_qs)));
        QVERIFY(stillRunning);
        QVERIFY2(!whileRunning.contains(u"closed"_qs), qPrintable(whileRunning.join(u", "_qs)));
        // After Stop: every lane refused (the channel's retries), none "reset", and the finding. A
        // retry whose SYN was in flight at Stop has no answer: "ended by Stop", not counted.
        const QStringList after = laneLabels(w);
        const auto refusedLanes = after.count(u"refused"_qs);
        QVERIFY2(refusedLanes > 0 && refusedLanes + after.count(u"ended by Stop"_qs) == after.size(),
            qPrintable(after.join(u", "_qs)));
        QVERIFY2(after.count(u"ended by Stop"_qs) <= 1, qPrintable(after.join(u", "_qs)));
        const core::Finding* f = findingOf(w, "lab-target-refused");
        QVERIFY(f);
        QCOMPARE(f->severity, core::Severity::Error);
        const std::string n = std::to_string(refusedLanes);
        QVERIFY2(f->title == "The target 127.0.0.1:51412 refused every connection (" + n + " of " + n + ")",
            f->title.c_str());
        QVERIFY(!f->evidence.empty());
    }
};

KS_QTEST_MAIN(TestRunLaneEnds)
#include "tst_run_lane_ends.moc"
