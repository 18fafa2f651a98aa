// The timeline reads at a glance: on the reference captures, at 1024 and 1600 pixels, with LB
// profiles ticked and a finding's evidence ringed, no label covers a marker, a timeout line, a
// ring or another label; a label with no room shows its text on hover; each lane says how its
// connection ended and what its rows hold. Set KS_SCREENSHOT_DIR to keep what was checked.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/label_placer.h"
#include "ui/lane_captions.h"
#include "ui/lb_profile_picker.h"
#include "ui/main_window.h"
#include "ui/timeline_layer.h"
#include "ui/timeline_view.h"

#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>

using namespace ks;

namespace {

QString data(const char* name)
{
    return QStringLiteral(KS_TEST_DATA_DIR "/") + QLatin1String(name);
}

bool open(ui::MainWindow& w, const QString& path)
{
    QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
    w.openCapture(path);
    return loaded.wait(20000) && loaded.constFirst().constFirst().toBool();
}

bool overlaps(const QRectF& a, const QRectF& b)
{
    return a.left() < b.right() && b.left() < a.right() && a.top() < b.bottom() && b.top() < a.bottom();
}

// Three short timers, one with a long name: their lines cross every idle gap of the captures.
QString writeProfiles(const QTemporaryDir& dir)
{
    const QString path = dir.filePath(QStringLiteral("lb.json"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(R"({"format":"keepalive-scope-lb-profiles","version":1,"profiles":[
        {"name":"corp-proxy-with-a-long-name","idle_timeout_s":1.5,"on_expiry":"rst","source":"test"},
        {"name":"edge-lb","idle_timeout_s":2.0,"on_expiry":"fin","http2_ping_resets_idle":false,"source":"test"},
        {"name":"nat","idle_timeout_s":2.5,"on_expiry":"silent_drop","source":"test"}]})");
    return path;
}

void saveShot(QWidget& w, const QString& name)
{
    if (qEnvironmentVariableIsSet("KS_SCREENSHOT_DIR"))
        w.grab().save(qEnvironmentVariable("KS_SCREENSHOT_DIR") % u'/' % name % u".png");
}

// What the test asserts about the last paint: returns a description of the first fault, or "".
QString labelFault(const ui::TimelineLayer& layer, const QRect& area)
{
    const auto& labels = layer.labels();
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto& l = labels[i];
        if (!l.shown())
            continue;
        const QString who
            = u'"' % l.text % u"\" at " % QString::number(l.rect.x()) % u',' % QString::number(l.rect.y());
        if (!QRectF(area).contains(l.rect))
            return who % u" leaves the plot";
        for (const QRectF& o : layer.obstacles())
            if (overlaps(l.rect, o))
                return who % u" covers a marker or line at " % QString::number(o.x()) % u',' % QString::number(o.y());
        for (std::size_t j = i + 1; j < labels.size(); ++j)
            if (labels[j].shown() && overlaps(l.rect, labels[j].rect))
                return who % u" covers \"" % labels[j].text % u'"';
    }
    return {};
}

} // namespace

class TestTimelineLabels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QSettings().clear(); }

    void labelsNeverCoverMarkersOrEachOther_data()
    {
        QTest::addColumn<QString>("capture");
        QTest::addColumn<int>("width");
        for (const char* c : { "lbsim_idle_reset.pcap", "idle_reset_proxy.pcap", "goaway_too_many_pings.pcap",
                 "tls_connect_proxy.pcap", "keepalive_timeout_proxy.pcap", "goaway_max_idle.pcap" })
            for (int width : { 1024, 1600 })
                QTest::newRow(qPrintable(QString::fromLatin1(c) % u'@' % QString::number(width)))
                    << QString::fromLatin1(c) << width;
    }

    void labelsNeverCoverMarkersOrEachOther()
    {
        QFETCH(QString, capture);
        QFETCH(int, width);
        QTemporaryDir dir;
        ui::MainWindow w;
        w.resize(width, width == 1024 ? 700 : 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(w.profilePicker()->addProfileFile(writeProfiles(dir)), QString());
        w.profilePicker()->setSelectedNames(
            { QStringLiteral("corp-proxy-with-a-long-name"), QStringLiteral("edge-lb"), QStringLiteral("nat") });
        QVERIFY(open(w, data(capture.toLatin1().constData())));
        // A finding's evidence ringed, as after a click in the Findings tab.
        if (!w.findingsView()->findings().empty())
            w.timeline()->showEvidence(w.findingsView()->findings().front().evidence);
        for (const bool fitted : { false, true }) {
            if (fitted)
                w.timeline()->fitAll();
            w.timeline()->replot();
            const auto& layer = *w.timeline()->layerItem();
            QVERIFY(layer.drawnMarkers() > 0);
            QVERIFY(layer.obstacles().size() >= layer.drawnMarkers());
            std::size_t shown = 0;
            for (const auto& l : layer.labels()) {
                shown += l.shown() ? 1 : 0;
                // Hidden or not, its words are one hover away: over what it names.
                if (!l.shown()) {
                    const auto hover = layer.labelTextAt(l.anchor.center());
                    QVERIFY2(hover && !hover->isEmpty(), qPrintable(l.text));
                }
            }
            QVERIFY2(shown > 0, "no label drawn at all");
            const QString fault = labelFault(layer, w.timeline()->axisRect()->rect());
            QVERIFY2(fault.isEmpty(), qPrintable(fault));
        }
        saveShot(w, u"labels-" % QString(capture).remove(u".pcap"_qs) % u'-' % QString::number(width));
    }

    // The README's picture: grpc-go idle for 15 s against a 0.8 s proxy and a 10 s NAT whose timer
    // keep-alive probes do not reset; its first finding selected. Checked like the others.
    void readmeWindow()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("demo.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format":"keepalive-scope-lb-profiles","version":1,"profiles":[
            {"name":"demo-proxy","idle_timeout_s":0.8,"on_expiry":"rst","source":"demo"},
            {"name":"demo-nat","idle_timeout_s":10,"on_expiry":"silent_drop","tcp_keepalive_resets_idle":false,
             "source":"demo"}]})");
        f.close();
        ui::MainWindow w;
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(w.profilePicker()->addProfileFile(path), QString());
        w.profilePicker()->setSelectedNames({ QStringLiteral("demo-proxy"), QStringLiteral("demo-nat") });
        QVERIFY(open(w, data("go_default_tcp_keepalive.pcap")));
        w.tabs()->setCurrentIndex(1);
        if (!w.findingsView()->findings().empty())
            w.findingsView()->activate(0);
        QTest::qWait(100);
        w.timeline()->replot();
        const QString fault = labelFault(*w.timeline()->layerItem(), w.timeline()->axisRect()->rect());
        QVERIFY2(fault.isEmpty(), qPrintable(fault));
        saveShot(w, QStringLiteral("screenshot"));
    }

    void placerTakesTheFirstFreePlaceAndHidesWhenNone()
    {
        ui::LabelPlacer placer(16);
        placer.addObstacle(QRectF(100, 100, 10, 10));
        const QRectF bounds(0, 0, 400, 300);
        // Right of the marker is taken first; the next label there must go elsewhere.
        QCOMPARE(placer.place({ QRectF(112, 98, 50, 14), QRectF(40, 98, 50, 14) }, bounds), 0);
        QCOMPARE(placer.place({ QRectF(112, 98, 50, 14), QRectF(40, 98, 50, 14) }, bounds), 1);
        QCOMPARE(placer.place({ QRectF(95, 95, 20, 20), QRectF(390, 0, 50, 14) }, bounds), -1); // covers, leaves
        QVERIFY(placer.isFree(QRectF(110, 110, 2, 2))); // touching an edge is not covering
        QCOMPARE(placer.labels().size(), std::size_t(2));
    }

    void eachLaneSaysHowItsConnectionEnded()
    {
        ui::MainWindow w;
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open(w, data("idle_reset_proxy.pcap")));
        w.timeline()->replot();
        const auto& store = *w.store();
        std::size_t resets = 0;
        for (std::size_t i = 0; i < store.laneCount(); ++i) {
            const auto* c = store.connection(store.lane(i).conn());
            QVERIFY(c);
            const ui::LaneEnd end = w.timeline()->captions()->endOf(i);
            QCOMPARE(end.label.toStdString(), std::string(core::endCauseLabel(c->endCause)));
            resets += core::isTroubledEnd(c->endCause) ? 1 : 0;
        }
        QVERIFY2(resets >= 2, "the proxy's resets, on both legs");
        // In the lane too, beside the RST, and the lane's caption has the analyzer's sentence.
        std::size_t endLabels = 0;
        for (const auto& l : w.timeline()->layerItem()->labels())
            if (l.kind == ui::TimelineLabel::EndCause && l.shown() && l.text != u"graceful"_qs
                && l.text != u"closed"_qs)
                ++endLabels;
        QVERIFY(endLabels >= 2);
        const QRect axis = w.timeline()->axisRect()->rect();
        const auto tip = w.timeline()->captions()->tooltipAt(QPointF(axis.left() - 20, axis.top() + 5));
        QVERIFY(tip && tip->contains(u"ended"_qs) && tip->contains(u"TCP"_qs));
        saveShot(w, QStringLiteral("end-causes"));
    }

    // haproxy's `timeout http-keep-alive 3s` sent the GOAWAY (the proxy-goaway-idle finding): the
    // lane names the proxy, not a gRPC server's "max idle"; a gRPC server's own GOAWAY opened next
    // keeps "max idle", from the current capture's analysis alone.
    void aProxysIdleGoawayIsCaptionedAsTheProxys()
    {
        ui::MainWindow w;
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open(w, data("haproxy_h2_ping_idle.pcap")));
        bool proxyFinding = false;
        for (const auto& f : w.findingsView()->findings())
            proxyFinding |= f.id == "proxy-goaway-idle" && f.conn == 0u;
        QVERIFY(proxyFinding);
        const auto lane0 = [&w] {
            for (std::size_t i = 0; i < w.store()->laneCount(); ++i)
                if (w.store()->lane(i).conn() == 0)
                    return w.timeline()->captions()->endOf(i).label;
            return QString();
        };
        QCOMPARE(lane0(), QStringLiteral("proxy idle"));
        QVERIFY(open(w, data("goaway_max_idle.pcap")));
        QCOMPARE(lane0(), QStringLiteral("max idle"));
    }
};

KS_QTEST_MAIN(TestTimelineLabels)
#include "tst_timeline_labels.moc"
