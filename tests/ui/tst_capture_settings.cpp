// A capture in the window is judged with the settings the window says it uses: an experiment file
// loaded in the Keepalive settings panel gives the same findings and end causes as
// `keepalive-scope analyze --settings` on the same files, and the report names that file; with no
// settings loaded, the findings and report are those of `analyze` without --settings.
#include "qtest_main.h"

#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/lane_captions.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"
#include "ui/timeline_view.h"
#include "window_test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace ks;
using uitest::data;

class TestCaptureSettings : public QObject {
    Q_OBJECT

    // What the CLI says: sorted finding ids, then the connections' end causes in id order.
    static QStringList cli(const QStringList& args)
    {
        QProcess p;
        p.start(QStringLiteral(KS_CLI_BINARY),
            QStringList { QStringLiteral("analyze") } + args << QStringLiteral("--json"));
        if (!p.waitForFinished(30000))
            return { QStringLiteral("CLI did not finish") };
        const QJsonObject doc = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QStringList ids;
        for (const auto& f : doc.value(u"findings"_qs).toArray())
            ids << f.toObject().value(u"id"_qs).toString();
        ids.sort();
        for (const auto& c : doc.value(u"connections"_qs).toArray())
            ids << u"end:"_qs + c.toObject().value(u"end_cause"_qs).toString();
        return ids;
    }

    static QStringList window(const ui::MainWindow& w)
    {
        QStringList ids;
        for (const auto& f : w.findingsView()->findings())
            ids << QString::fromStdString(f.id);
        ids.sort();
        for (const auto& c : w.store()->connections())
            ids << u"end:"_qs + QString::fromLatin1(core::endCauseName(c.endCause).data());
        return ids;
    }

    static QString report(const ui::MainWindow& w, const QTemporaryDir& dir)
    {
        const QString path = dir.filePath(QStringLiteral("report.md"));
        // A report waits for the findings of a change still being worked out (it is refused
        // meanwhile); the user's next try, a moment later, writes it.
        for (int i = 0; i < 100 && w.findingsPending(); ++i)
            QTest::qWait(100);
        if (const QString error = w.exportReportTo(path); !error.isEmpty())
            return error;
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    // The hunter's experiment (client keepalive 12.8 s, permitted without calls): with it the
    // client's FIN after 6 s of silence is an ordinary close, not a client that gave up.
    static QString writeSettings(const QTemporaryDir& dir)
    {
        const QString path = dir.filePath(QStringLiteral("k.json"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write(R"({"format": "keepalive-scope-experiment", "version": 1,
 "client": {"keepalive_time_ms": 12800, "keepalive_permit_without_calls": true, "max_pings_without_data": 0},
 "server": {"keepalive_permit_without_calls": true, "min_ping_interval_without_data_ms": 12800}})");
        return path;
    }

private Q_SLOTS:
    void init() { QSettings().clear(); }

    void loadedSettingsJudgeTheCaptureAsTheCliDoes()
    {
        QTemporaryDir dir;
        const QString settings = writeSettings(dir);
        const QString capture = data("core_idle_close.pcap");
        const QStringList withSettings = cli({ capture, QStringLiteral("--settings"), settings });
        const QStringList without = cli({ capture });
        QVERIFY2(withSettings != without, qPrintable(withSettings.join(u' ') + u" | "_qs + without.join(u' ')));

        ui::MainWindow w;
        w.show();
        QCOMPARE(w.settingsEditor()->load(settings), QString());
        QVERIFY(uitest::open(w, capture));
        QCOMPARE(window(w), withSettings);
        const QString md = report(w, dir);
        QVERIFY2(md.contains(u"From `"_qs + settings + u'`'), qPrintable(md));
    }

    // The user's other order: the capture first, then Load... in the settings panel.
    void settingsLoadedAfterTheCaptureJudgeItAgain()
    {
        QTemporaryDir dir;
        const QString settings = writeSettings(dir);
        const QString capture = data("core_idle_close.pcap");
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, capture));
        QCOMPARE(window(w), cli({ capture }));
        QVERIFY2(report(w, dir).contains(u"Not given"_qs), qPrintable(report(w, dir)));
        QSignalSpy updated(&w, &ui::MainWindow::findingsUpdated);
        QCOMPARE(w.settingsEditor()->load(settings), QString());
        QVERIFY(updated.wait(10000));
        QTRY_COMPARE(window(w), cli({ capture, QStringLiteral("--settings"), settings }));
        QVERIFY(report(w, dir).contains(u"From `"_qs + settings + u'`'));
    }

    // grpc-java's captures: the findings and each connection's end as the CLI says them, and
    // each lane's caption naming that end.
    void javaCapturesSayWhatTheCliSays_data()
    {
        QTest::addColumn<QString>("capture");
        for (const QString& name : QDir(QStringLiteral(KS_TEST_DATA_DIR)).entryList({ QStringLiteral("java_*.pcap") }))
            QTest::newRow(qPrintable(name)) << data(qPrintable(name));
    }
    void javaCapturesSayWhatTheCliSays()
    {
        QFETCH(QString, capture);
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, capture));
        QCOMPARE(window(w), cli({ capture }));
        const auto connections = w.store()->connections();
        QCOMPARE(w.store()->laneCount(), connections.size());
        for (std::size_t i = 0; i < connections.size(); ++i) {
            const ui::LaneEnd end = w.timeline()->captions()->endOf(i);
            QVERIFY2(!end.label.isEmpty() && end.label != u"ended"_qs, qPrintable(end.label));
            QVERIFY2(
                end.detail.contains(QString::fromStdString(connections[i].endDetail.str())), qPrintable(end.detail));
        }
    }
};

KS_QTEST_MAIN(TestCaptureSettings)
#include "tst_capture_settings.moc"
