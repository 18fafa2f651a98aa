// Source after source, as a user opens them: after each step everything the window shows (title,
// status bar, findings and their count, lanes and their captions, the connection list, the event
// table) is about the current source only; a file that cannot be read leaves the last one intact
// and says what is wrong with the file.
#include "qtest_main.h"

#include "ui/event_export.h"
#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/lane_captions.h"
#include "ui/main_window.h"
#include "ui/timeline_view.h"
#include "window_test_support.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>

using namespace ks;
using uitest::data;

class TestSourceSequences : public QObject {
    Q_OBJECT

    static QString status(const ui::MainWindow& w) { return w.statusBar()->currentMessage(); }

    static QComboBox* connectionFilter(const ui::MainWindow& w)
    {
        for (auto* box : w.findChildren<QComboBox*>())
            if (box->count() > 0 && box->itemText(0).contains(u"connections"_qs, Qt::CaseInsensitive))
                return box;
        return nullptr;
    }

    // What the window shows, taken whole, to compare before and after a step.
    struct Shown {
        QString title;
        std::size_t events = 0;
        int rows = 0;
        std::size_t lanes = 0;
        QStringList captions;
        int connectionItems = 0;
        QString findingsTab;
        std::vector<std::string> findings;
        bool operator==(const Shown&) const = default;
    };
    static Shown shown(const ui::MainWindow& w)
    {
        Shown s;
        s.title = w.windowTitle();
        s.events = w.store()->size();
        s.rows = w.table()->model()->rowCount();
        s.lanes = w.store()->laneCount();
        for (std::size_t i = 0; i < s.lanes; ++i)
            s.captions << w.timeline()->captions()->endOf(i).label;
        s.connectionItems = connectionFilter(w) ? connectionFilter(w)->count() : -1;
        s.findingsTab = w.tabs()->tabText(1);
        for (const auto& f : w.findingsView()->findings())
            s.findings.push_back(f.id + "@" + std::to_string(f.conn.value_or(~0u)));
        return s;
    }

    // Every finding cites events of the current store and connections it holds.
    static bool findingsAreOfTheStore(const ui::MainWindow& w)
    {
        for (const auto& f : w.findingsView()->findings()) {
            if (f.conn && !w.store()->connection(*f.conn))
                return false;
            for (auto e : f.evidence)
                if (e >= w.store()->size())
                    return false;
        }
        return true;
    }

private Q_SLOTS:
    void init() { QSettings().clear(); }

    // Empty file, a directory, an unknown link type: each refused with the file named and the
    // reason, the good capture still whole on screen, nothing left reading.
    void unreadableFilesAfterAGoodOneLeaveItWhole()
    {
        QTemporaryDir dir;
        const QString empty = dir.filePath(QStringLiteral("empty.pcap"));
        QFile(empty).open(QIODevice::WriteOnly);
        QFile good(data("goaway_too_many_pings.pcap"));
        QVERIFY(good.open(QIODevice::ReadOnly));
        QByteArray bytes = good.readAll();
        bytes[20] = char(147); // DLT_USER0: no decoder for it
        const QString userLink = dir.filePath(QStringLiteral("user_link.pcap"));
        QFile u(userLink);
        QVERIFY(u.open(QIODevice::WriteOnly));
        u.write(bytes);
        u.close();

        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        const Shown before = shown(w);
        QVERIFY(before.events > 0 && !before.findings.empty() && before.lanes > 0);
        const std::pair<QString, const char16_t*> bad[]
            = { { empty, u"empty" }, { dir.path(), u"directory" }, { userLink, u"link type" } };
        for (const auto& [path, why] : bad) {
            QVERIFY2(!uitest::open(w, path), qPrintable(path));
            QVERIFY2(shown(w) == before, qPrintable(path));
            QVERIFY2(status(w).contains(QFileInfo(path).fileName()) && status(w).contains(QString::fromUtf16(why)),
                qPrintable(status(w)));
            QVERIFY(!w.loading());
            QVERIFY(!w.findChild<QProgressBar*>() || !w.findChild<QProgressBar*>()->isVisible());
        }
    }

    // A capture cut mid-record after a complete one: the window shows the cut one's packets
    // alone, and its status bar says the read stopped early.
    void truncatedCaptureAfterAnotherShowsOnlyItsOwnAndSaysCut()
    {
        QTemporaryDir dir;
        QFile whole(data("goaway_too_many_pings.pcap"));
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QString cut = dir.filePath(QStringLiteral("cut.pcap"));
        QFile c(cut);
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write(whole.readAll().left(3000));
        c.close();

        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("tinyproxy_idle_close.pcap"))); // four connections, two proxies' legs
        QVERIFY(w.store()->laneCount() >= 2);
        uitest::open(w, cut);
        QVERIFY2(w.windowTitle().startsWith(u"cut.pcap"_qs), qPrintable(w.windowTitle()));
        QCOMPARE(w.store()->laneCount(), std::size_t(1));
        QCOMPARE(connectionFilter(w)->count(), 2); // "All connections" and its one
        QVERIFY(findingsAreOfTheStore(w));
        QVERIFY2(status(w).contains(u"truncated"_qs), qPrintable(status(w)));
        // Opened fresh, the cut capture shows the same.
        ui::MainWindow fresh;
        fresh.show();
        uitest::open(fresh, cut);
        Shown a = shown(w), b = shown(fresh);
        QVERIFY(a == b);
    }

    // A second capture opened while the first is still being read: the window ends with the
    // second alone, as if it had been opened on its own.
    void quickSwitchEndsWithTheLastSourceAlone()
    {
        ui::MainWindow alone;
        alone.show();
        QVERIFY(uitest::open(alone, data("go_ping_healthy.pcap")));
        const Shown expected = shown(alone);

        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(data("tinyproxy_idle_close.pcap"));
        w.openCapture(data("go_ping_healthy.pcap"));
        QTRY_VERIFY_WITH_TIMEOUT(!w.loading() && !loaded.isEmpty(), 20000);
        QTest::qWait(300); // a stale result of the first would land here
        QVERIFY(shown(w) == expected);
        QVERIFY(findingsAreOfTheStore(w));
        QVERIFY2(status(w).contains(u"go_ping_healthy"_qs), qPrintable(status(w)));
    }

    // The status bar's summary reads as English and claims no zero time: one connection is
    // "1 connection", a read under 5 ms is "< 0.01 s", not "0.00 s".
    void statusBarSummaryOfASmallCaptureReadsTrue()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("go_server_keepalive_timeout.pcap")));
        QCOMPARE(w.store()->connections().size(), std::size_t(1));
        QVERIFY2(status(w).contains(u" 1 connection in "_qs), qPrintable(status(w)));
        QVERIFY2(!status(w).contains(u" 0.00 s"_qs), qPrintable(status(w)));
        QVERIFY(uitest::open(w, data("tinyproxy_idle_close.pcap")));
        QVERIFY2(status(w).contains(u" 4 connections in "_qs), qPrintable(status(w)));
    }

    // Exports to paths that cannot be written (a folder that does not exist, a folder's own
    // name): each says so naming the path, and a file already at a good path is replaced whole.
    void exportsToBadPathsSayWhyAndLoseNoFile()
    {
        ui::MainWindow w;
        w.show();
        QVERIFY(uitest::open(w, data("goaway_too_many_pings.pcap")));
        QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("no/such/folder/"));
        const QString folder = dir.filePath(QStringLiteral("a_folder.md"));
        QVERIFY(QDir().mkpath(folder));
        const auto failsNaming = [](const QString& error, const QString& path) {
            return !error.isEmpty() && error.contains(QFileInfo(path).fileName());
        };
        const QStringList bads { QString(missing + u"r.md"_qs), folder };
        for (const QString& bad : bads) {
            QVERIFY2(failsNaming(w.exportReportTo(bad), bad), qPrintable(w.exportReportTo(bad)));
            const QString settings = bad.chopped(3) + u".json"_qs; // a folder too, or in the missing one
            QVERIFY(bad != folder || QDir().mkpath(settings));
            QVERIFY2(failsNaming(w.exportSettingsTo(settings), settings), qPrintable(w.exportSettingsTo(settings)));
            QVERIFY2(failsNaming(ui::exportEventsCsv(*w.store(), bad), bad), qPrintable(bad));
            QString error;
            const QString png = bad.chopped(3) + u".png"_qs;
            QVERIFY(bad != folder || QDir().mkpath(png));
            QVERIFY(!w.timeline()->exportTo(png, 800, 600, &error));
            QVERIFY2(!error.isEmpty(), qPrintable(bad));
        }
        QVERIFY(QFileInfo(folder).isDir());
        // An existing report is replaced by the whole new one.
        const QString existing = dir.filePath(QStringLiteral("report.md"));
        QFile old(existing);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write(QByteArray(100000, 'x'));
        old.close();
        QCOMPARE(w.exportReportTo(existing), QString());
        QFile back(existing);
        QVERIFY(back.open(QIODevice::ReadOnly));
        const QByteArray text = back.readAll();
        QVERIFY(!text.contains(QByteArray(100, 'x')));
        QVERIFY(text.contains("goaway_too_many_pings"));
    }
};

KS_QTEST_MAIN(TestSourceSequences)
#include "tst_source_sequences.moc"
