// What the user changes while a capture is still being read, or while its findings are being
// worked out again (a profile ticked, the TLS key log given): once the window settles it shows
// what a fresh window opened with those choices shows (a profile ticked mid-read reaches the
// findings through the settings editor, which takes the profiles), and a report never pairs the
// new choices with the old findings.
#include "qtest_main.h"

#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/keylog_picker.h"
#include "ui/lb_profile_picker.h"
#include "ui/main_window.h"
#include "window_test_support.h"

#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>

using namespace ks;
using uitest::data;

class TestMidReadChanges : public QObject {
    Q_OBJECT

    static std::vector<std::string> findingIds(const ui::MainWindow& w)
    {
        std::vector<std::string> ids;
        for (const auto& f : w.findingsView()->findings())
            ids.push_back(f.id + "@" + std::to_string(f.conn.value_or(~0u)));
        return ids;
    }

    // Waits until no read and no reanalysis is pending (bounded).
    static void settle(ui::MainWindow& w)
    {
        for (int i = 0; i < 100 && (w.loading() || w.findingsPending()); ++i)
            QTest::qWait(100);
    }

private Q_SLOTS:
    void init() { QSettings().clear(); }

    // A profile ticked while the capture is read: the findings are those of the ticked profile,
    // as a window that had it ticked before the open shows.
    void profileTickedDuringTheReadJudgesWithIt()
    {
        const QString capture = data("go_ping_healthy.pcap");
        ui::MainWindow fresh;
        fresh.profilePicker()->setSelectedNames({ QStringLiteral("aws-alb") });
        QVERIFY(uitest::open(fresh, capture));
        settle(fresh);
        const auto expected = findingIds(fresh);
        QVERIFY(std::find(expected.begin(), expected.end(), "ping-cadence-vs-lb@0") != expected.end());

        ui::MainWindow w;
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(capture);
        QVERIFY(w.loading()); // the result is delivered through the event loop, not yet run
        w.profilePicker()->setSelectedNames({ QStringLiteral("aws-alb") });
        QVERIFY(loaded.wait(20000));
        settle(w);
        QCOMPARE(findingIds(w), expected);
    }

    // The key log given while a TLS capture is read without it: the capture is read again with
    // it, as a window that had the key log before the open reads it.
    void keyLogGivenDuringTheReadDecrypts()
    {
        const QString capture = data("tls13_too_many_pings.pcap");
        const QString keys = data("tls13_too_many_pings.keys");
        ui::MainWindow fresh;
        fresh.keyLogPicker()->setPath(keys);
        QVERIFY(uitest::open(fresh, capture));
        settle(fresh);

        ui::MainWindow w;
        w.keyLogPicker()->setPath({});
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(capture);
        QVERIFY(w.loading());
        w.keyLogPicker()->setPath(keys);
        QVERIFY(loaded.wait(20000));
        settle(w);
        QCOMPARE(w.store()->size(), fresh.store()->size());
        QCOMPARE(findingIds(w), findingIds(fresh));
        QVERIFY2(w.statusBar()->currentMessage().contains(u"TLS key log tls13_too_many_pings.keys"_qs)
                && !w.statusBar()->currentMessage().contains(u"no TLS"_qs),
            qPrintable(w.statusBar()->currentMessage()));
        // With the key log still given, a plaintext capture: named, but not as if it decrypted.
        QVERIFY(uitest::open(w, data("go_ping_healthy.pcap")));
        QVERIFY2(w.statusBar()->currentMessage().contains(
                     u"TLS key log tls13_too_many_pings.keys (no TLS in this capture)"_qs),
            qPrintable(w.statusBar()->currentMessage()));
        fresh.keyLogPicker()->setPath({}); // the picker remembers; the next test starts clean
    }

    // A report asked for while the findings of a just-ticked profile are still being worked out
    // is refused (it would name the profile beside findings judged without it); once they
    // arrived it has them.
    void reportWaitsForTheFindingsOfTheCurrentProfiles()
    {
        QTemporaryDir dir;
        ui::MainWindow w;
        QVERIFY(uitest::open(w, data("go_ping_healthy.pcap")));
        settle(w);
        QSignalSpy updated(&w, &ui::MainWindow::findingsUpdated);
        w.profilePicker()->setSelectedNames({ QStringLiteral("aws-alb") });
        const QString early = dir.filePath(QStringLiteral("early.md"));
        const QString error = w.exportReportTo(early);
        QVERIFY2(error.contains(u"being worked out"_qs), qPrintable(error));
        QVERIFY(!QFile::exists(early));
        QVERIFY(updated.wait(10000));
        const QString late = dir.filePath(QStringLiteral("late.md"));
        QCOMPARE(w.exportReportTo(late), QString());
        QFile f(late);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        QVERIFY(text.contains(u"aws-alb"_qs));
        QVERIFY2(text.contains(u"ping-cadence-vs-lb"_qs), qPrintable(text.left(2000)));
    }
};

KS_QTEST_MAIN(TestMidReadChanges)
#include "tst_mid_read_changes.moc"
