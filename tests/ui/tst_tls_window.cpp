// TLS in the window, as a user meets it: a grpc-go TLS 1.3 capture opened without keys (PINGs
// inferred from record sizes, drawn hollow, marked so in the table, the tooltip and every export;
// a bar saying how to get keys), then the key log chosen (the capture is read again, decrypted:
// the too_many_pings GOAWAY appears, markers are filled, the lane names TLS 1.3, h2 and the SNI),
// the choice remembered; and the lab run over TLS from the window, decrypted live.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/event_export.h"
#include "ui/event_filter_proxy.h"
#include "ui/event_format.h"
#include "ui/event_store.h"
#include "ui/event_table_model.h"
#include "ui/keylog_picker.h"
#include "ui/lab_panel.h"
#include "ui/live_capture_panel.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"
#include "ui/timeline_layer.h"
#include "ui/timeline_style.h"
#include "ui/timeline_view.h"
#include "ui/tls_keys_notice.h"

#include <QCheckBox>
#include <QFile>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>

#include <optional>

using namespace ks;

namespace {

QString data(const char* name)
{
    return QStringLiteral(KS_TEST_DATA_DIR "/") + QLatin1String(name);
}

std::optional<std::size_t> firstOf(const ui::EventStore& store, core::EventType type, bool inferred)
{
    for (std::size_t i = 0; i < store.size(); ++i)
        if (store.record(i).type == type && ((store.record(i).flags & ui::EventRecord::kInferred) != 0) == inferred)
            return i;
    return std::nullopt;
}

std::size_t countOf(const ui::EventStore& store, core::EventType type)
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < store.size(); ++i)
        n += store.record(i).type == type;
    return n;
}

QString readAll(const QString& path)
{
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QString::fromUtf8(f.readAll());
}

// The colour at the centre of an event's marker, as drawn on screen.
QColor markerCentre(ui::MainWindow& w, std::size_t index)
{
    w.timeline()->replot();
    const QImage image = w.timeline()->grab().toImage();
    const QPointF p = w.timeline()->markerPosition(index);
    return image.pixelColor(p.toPoint());
}

double distance(const QColor& a, const QColor& b)
{
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue());
}

} // namespace

class TestTlsWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QSettings().clear(); }

    void tlsCaptureWithoutKeysThenWithTheKeyLogChosen()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(data("tls13_too_many_pings.pcap"));
        QVERIFY(loaded.wait(20000));
        QVERIFY(loaded.constLast().constFirst().toBool());

        // Without keys: PINGs only by inference, no GOAWAY (nothing shows it but its contents).
        const auto inferredPing = firstOf(*w.store(), core::EventType::Ping, true);
        QVERIFY2(inferredPing, "a PING inferred from record sizes");
        QVERIFY(!firstOf(*w.store(), core::EventType::Ping, false));
        QCOMPARE(countOf(*w.store(), core::EventType::Goaway), std::size_t(0));
        // The table row, the tooltip and the bar say so.
        const int row = w.proxy()->rowForEvent(*inferredPing);
        QVERIFY(row >= 0);
        const QString details = w.proxy()->index(row, ui::EventTableModel::DetailsColumn).data().toString();
        QVERIFY2(details.contains(QLatin1String("inferred from TLS record sizes")), qPrintable(details));
        QVERIFY(w.timeline()->tooltipFor(*inferredPing).contains(QLatin1String("inferred from TLS record sizes")));
        QVERIFY(w.tlsNotice()->isVisible());
        QVERIFY2(w.tlsNotice()->summaryText().contains(QLatin1String("1 TLS connection without keys")),
            qPrintable(w.tlsNotice()->summaryText()));
        const QString howTo = w.tlsNotice()->howToText();
        for (const char* claim : { "SSLKEYLOGFILE", "tls.Config.KeyLogWriter", "set_tls_session_key_log_file_path",
                 "common_tls_context.key_log.path", "SSL_CTX_set_keylog_callback", "editcap --inject-secrets tls," })
            QVERIFY2(howTo.contains(QLatin1String(claim)), claim);
        // The lane names TLS 1.3 and the server name; without keys, no ALPN was seen in 1.3.
        const auto* conn = w.store()->connection(w.store()->record(*inferredPing).conn);
        QVERIFY(conn && conn->tls);
        QVERIFY(ui::tlsLaneText(*conn).startsWith(QLatin1String("TLS 1.3")));
        QVERIFY(ui::tlsLaneText(*conn).contains(QLatin1String("no keys")));
        // Drawn hollow: the marker's centre is not the PING colour.
        const QColor pingColour = ui::markerStyle(core::EventType::Ping).color;
        w.timeline()->fitAll();
        const QColor hollowCentre = markerCentre(w, *inferredPing);
        QVERIFY2(distance(hollowCentre, pingColour) > 120, qPrintable(hollowCentre.name()));

        // Every export marks them.
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("e.csv")), json = dir.filePath(QStringLiteral("e.json"));
        const QString md = dir.filePath(QStringLiteral("r.md")), rj = dir.filePath(QStringLiteral("r.json"));
        QCOMPARE(ui::exportEventsCsv(*w.store(), csv), QString());
        QCOMPARE(ui::exportEventsJson(*w.store(), json), QString());
        QCOMPARE(w.exportReportTo(md), QString());
        QCOMPARE(w.exportReportTo(rj), QString());
        QVERIFY(readAll(csv).contains(QLatin1String(",ping,inferred from TLS record sizes")));
        QVERIFY(readAll(json).contains(QLatin1String("\"type\":\"ping\",\"inferred\":true")));
        QVERIFY(readAll(md).contains(QLatin1String("(inferred from TLS record sizes)")));
        QVERIFY(readAll(rj).contains(QLatin1String("\"pings\": \"inferred from TLS record sizes\"")));

        // The key log chosen: the open capture is read again, decrypted.
        w.keyLogPicker()->setPath(data("tls13_too_many_pings.keys"));
        QVERIFY(loaded.wait(20000));
        QVERIFY(loaded.constLast().constFirst().toBool());
        QVERIFY(!firstOf(*w.store(), core::EventType::Ping, true));
        const auto readPing = firstOf(*w.store(), core::EventType::Ping, false);
        QVERIFY(readPing);
        std::optional<std::size_t> goaway;
        for (std::size_t i = 0; i < w.store()->size() && !goaway; ++i)
            if (w.store()->record(i).type == core::EventType::Goaway)
                goaway = i;
        QVERIFY2(goaway, "the GOAWAY is read once decrypted");
        QCOMPARE(w.store()->event(*goaway).debug, std::string("too_many_pings"));
        QVERIFY(!w.tlsNotice()->isVisible());
        const auto* decrypted = w.store()->connection(w.store()->record(*readPing).conn);
        QVERIFY(decrypted && decrypted->tls);
        QVERIFY2(ui::tlsLaneText(*decrypted).startsWith(QLatin1String("TLS 1.3, h2")),
            qPrintable(ui::tlsLaneText(*decrypted)));
        w.timeline()->fitAll();
        const QColor filledCentre = markerCentre(w, *readPing);
        QVERIFY2(distance(filledCentre, pingColour) < 90, qPrintable(filledCentre.name()));

        // KS_SCREENSHOT_DIR=dir: a picture of the window on this capture.
        if (qEnvironmentVariableIsSet("KS_SCREENSHOT_DIR")) {
            w.keyLogPicker()->setPath({});
            QVERIFY(loaded.wait(20000));
            w.timeline()->fitAll();
            QTest::qWait(500);
            w.grab().save(qEnvironmentVariable("KS_SCREENSHOT_DIR") + QStringLiteral("/tls-no-keys.png"));
            w.keyLogPicker()->setPath(data("tls13_too_many_pings.keys"));
            QVERIFY(loaded.wait(20000));
            w.timeline()->fitAll();
            QTest::qWait(500);
            w.grab().save(qEnvironmentVariable("KS_SCREENSHOT_DIR") + QStringLiteral("/tls-decrypted.png"));
        }

        // Remembered: the next window comes up with the same key log.
        QCOMPARE(QSettings().value(QStringLiteral("tlsKeyLog")).toString(), data("tls13_too_many_pings.keys"));
        ui::KeyLogPicker next;
        QCOMPARE(next.path(), data("tls13_too_many_pings.keys"));
    }

    void aKeyLogThatCannotBeReadIsNamed()
    {
        ui::MainWindow w;
        w.keyLogPicker()->setPath(QStringLiteral("/nonexistent/keys.log"));
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(data("tls13_too_many_pings.pcap"));
        QVERIFY(loaded.wait(20000));
        QVERIFY(!loaded.constFirst().constFirst().toBool());
        w.keyLogPicker()->setPath({});
    }

    // The live capture (here a capture command streaming a TLS capture) decrypts with the key log
    // chosen in the window, as an opened capture does.
    void liveCaptureDecryptsWithTheChosenKeyLog()
    {
        ui::MainWindow w;
        w.show();
        w.keyLogPicker()->setPath(data("tls13_too_many_pings.keys"));
        w.livePanel()->setUseCommand(true);
        w.livePanel()->setCommand(u"cat '" % data("tls13_too_many_pings.pcap") % u"'");
        QSignalSpy started(&w, &ui::MainWindow::liveCaptureStarted);
        QTest::mouseClick(w.livePanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(15000));
        QVERIFY(started.constFirst().constFirst().toBool());
        QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->startButton()->isEnabled(), 10000); // the command ended
        std::optional<std::size_t> goaway;
        for (std::size_t i = 0; i < w.store()->size() && !goaway; ++i)
            if (w.store()->record(i).type == core::EventType::Goaway)
                goaway = i;
        QVERIFY2(goaway, "the live capture read the GOAWAY inside TLS");
        QCOMPARE(w.store()->event(*goaway).debug, std::string("too_many_pings"));
        QVERIFY(!firstOf(*w.store(), core::EventType::Ping, true));
        w.keyLogPicker()->setPath({});
    }

    // A live capture whose key log has no secrets for the connection says so in its panel (and
    // the status bar) while it runs, naming the connection; its PINGs are inferred.
    void liveCaptureWarnsOfAConnectionWithoutKeys()
    {
        ui::MainWindow w;
        w.show();
        w.keyLogPicker()->setPath(data("tls13_go_chacha.keys")); // another session's secrets
        w.livePanel()->setUseCommand(true);
        w.livePanel()->setCommand(u"cat '" % data("tls13_go_ping.pcap") % u"'; sleep 3");
        QSignalSpy started(&w, &ui::MainWindow::liveCaptureStarted);
        QTest::mouseClick(w.livePanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(15000));
        QVERIFY(started.constFirst().constFirst().toBool());
        // While the command still runs (it sleeps after the capture), the warning is shown.
        QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->status().contains(u"no key log secrets for this TLS session"), 10000);
        QVERIFY2(!w.livePanel()->startButton()->isEnabled(), "shown while running");
        QVERIFY2(w.livePanel()->status().contains(u"127.0.0.1:50200"), qPrintable(w.livePanel()->status()));
        QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->startButton()->isEnabled(), 15000);
        QVERIFY(w.livePanel()->status().contains(u"no key log secrets for this TLS session")); // and after
        QVERIFY(firstOf(*w.store(), core::EventType::Ping, true)); // inferred
        w.keyLogPicker()->setPath({});
    }

    void labOverTlsFromTheWindowIsDecryptedLive()
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
        w.labPanel()->tlsBox()->setChecked(true);
        QSignalSpy started(&w, &ui::MainWindow::labStarted);
        QTest::mouseClick(w.labPanel()->startButton(), Qt::LeftButton);
        QVERIFY(started.wait(20000));
        QVERIFY(started.constFirst().constFirst().toBool());
        QTRY_VERIFY_WITH_TIMEOUT(countOf(*w.store(), core::EventType::Ping) >= 2
                || (w.store()->size() > 6 && countOf(*w.store(), core::EventType::Syn) == 0),
            15000);
        const bool wire = countOf(*w.store(), core::EventType::Syn) > 0;
        QTest::mouseClick(w.labPanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.labPanel()->startButton()->isEnabled(), 15000);
        if (!wire)
            QSKIP("the lab ran but no wire events: live capture needs CAP_NET_RAW here");
        QVERIFY(!firstOf(*w.store(), core::EventType::Ping, true)); // read, not inferred
        const auto ping = firstOf(*w.store(), core::EventType::Ping, false);
        QVERIFY(ping);
        const auto* conn = w.store()->connection(w.store()->record(*ping).conn);
        QVERIFY(conn && conn->tls);
        // C-core's server selects ALPN grpc-exp from the channel's offer (grpc-exp, h2; tshark agrees
        // on tests/data/lab_tls13_unary.pcap). The EncryptedExtensions naming it is read: the session
        // holds its first records until the lab's key log has their secrets, so even the handshake's
        // encrypted records are decrypted live.
        QVERIFY2(
            ui::tlsLaneText(*conn).startsWith(QLatin1String("TLS 1.3, grpc-exp")), qPrintable(ui::tlsLaneText(*conn)));
        QVERIFY(!w.tlsNotice()->isVisible());
    }
};

KS_QTEST_MAIN(TestTlsWindow)
#include "tst_tls_window.moc"
