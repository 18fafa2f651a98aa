// A capture read in part: the user asks for a report while it is still being read (refused, with
// the reason), then cancels (Esc); what the window and its exports say then covers the packets
// read and says so. A stream (FIFO) and a regular file cancel alike.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/capture_loader.h"
#include "ui/event_store.h"
#include "ui/findings_view.h"
#include "ui/keylog_picker.h"
#include "ui/lane_captions.h"
#include "ui/lb_profile_picker.h"
#include "ui/main_window.h"
#include "ui/source_controller.h"
#include "ui/timeline_view.h"

#include <QAction>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace ks;

namespace {

// The first `records` records of a classic pcap (24-byte header, 16-byte record headers).
QByteArray firstRecords(const QString& path, int records)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray all = f.readAll();
    qsizetype at = 24;
    for (int i = 0; i < records && at + 16 <= all.size(); ++i) {
        quint32 incl = 0;
        std::memcpy(&incl, all.constData() + at + 8, 4); // little-endian capture, as the file says
        at += 16 + static_cast<qsizetype>(incl);
    }
    return all.left(at);
}

// Writes bytes into a FIFO and keeps it open (a capture still being written) until stop is set
// or 30 s passed; gives up when no reader opens it within 10 s.
void feedFifo(const std::string& fifo, QByteArray bytes, const std::atomic<bool>& stop)
{
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    int fd = -1;
    while (fd < 0 && Clock::now() - start < std::chrono::seconds(10)) {
        fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC); // ENXIO until a reader opens it
        if (fd < 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (fd < 0)
        return;
    ::fcntl(fd, F_SETFL, 0);
    (void)!::write(fd, bytes.constData(), static_cast<std::size_t>(bytes.size()));
    while (!stop.load() && Clock::now() - start < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::close(fd);
}

QAction* actionWithShortcut(const ui::MainWindow& w, const QKeySequence& keys)
{
    for (auto* a : w.findChildren<QAction*>())
        if (a->shortcut() == keys)
            return a;
    return nullptr;
}

QString readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

} // namespace

class TestPartialRead : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QSettings().clear(); }

    // Ctrl+R while a stream is read: refused with the reason; Esc: the part read, marked partial
    // in the status bar, the findings, the lanes, the report (Markdown and JSON) and the events.
    void reportDuringAndAfterACancelledStreamSaysPartial()
    {
        QTemporaryDir dir;
        const QString fifo = dir.filePath(QStringLiteral("slow.pcap"));
        QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
        // Through the PINGs, before the GOAWAY and the FINs: the connection is open so far.
        const QByteArray head = firstRecords(QStringLiteral(KS_TEST_DATA_DIR "/goaway_too_many_pings.pcap"), 22);
        QVERIFY(head.size() > 24);
        std::atomic<bool> stop { false };
        std::thread writer(feedFifo, fifo.toStdString(), head, std::cref(stop));
        const auto joinWriter = qScopeGuard([&] {
            stop = true;
            writer.join();
        });

        ui::MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(fifo);
        QTest::qWait(500); // the 22 packets are read; the stream stays open
        QVERIFY(w.loading());

        // Ctrl+R now: nothing written, a box says why and what to do.
        const QString md = dir.filePath(QStringLiteral("during.md"));
        QAction* report = actionWithShortcut(w, QKeySequence(Qt::CTRL | Qt::Key_R));
        QVERIFY(report);
        report->trigger();
        auto* box = w.findChild<QMessageBox*>(QStringLiteral("stillReading"));
        QVERIFY(box && box->isVisible());
        QVERIFY2(
            box->text().contains(u"still being read"_qs) && box->text().contains(u"Esc"_qs), qPrintable(box->text()));
        box->close();
        QVERIFY(w.exportReportTo(md).contains(u"still being read"_qs));
        QVERIFY(!QFile::exists(md));

        // A key log chosen now cannot apply to a stream read once: the window says so (it was
        // silently ignored, the toolbar showing the key log as if in use).
        w.keyLogPicker()->setPath(QStringLiteral(KS_TEST_DATA_DIR "/lab_tls13_unary.keys"));
        QVERIFY(w.loading());
        QVERIFY2(w.statusBar()->currentMessage().contains(u"is a stream, read once"_qs),
            qPrintable(w.statusBar()->currentMessage()));
        w.keyLogPicker()->setPath(QString());

        // Esc: the read stops where it is.
        QAction* esc = actionWithShortcut(w, QKeySequence(Qt::Key_Escape));
        QVERIFY(esc);
        esc->trigger();
        QVERIFY(loaded.wait(10000));
        QVERIFY(!w.loading());
        const QString status = w.statusBar()->currentMessage();
        QVERIFY2(status.contains(u"22 packets"_qs) && status.contains(u"(cancelled: partial)"_qs), qPrintable(status));

        // The findings say first that they cover only the part read.
        const auto& findings = w.findingsView()->findings();
        QVERIFY(!findings.empty());
        QCOMPARE(findings.front().id, std::string("partial-read"));
        QVERIFY(findings.front().detail.find("22 packets") != std::string::npos);
        // The lane: open when the read stopped, not when the capture ended.
        QCOMPARE(w.store()->laneCount(), std::size_t(1));
        const ui::LaneEnd end = w.timeline()->captions()->endOf(0);
        QCOMPARE(end.label, QStringLiteral("open"));
        QVERIFY2(end.detail.contains(u"read stopped (cancelled)"_qs), qPrintable(end.detail));

        // The report, now: partial at the top, no "end of the capture", no "None." as a verdict.
        QVERIFY2(w.exportReportTo(md).isEmpty(), qPrintable(w.exportReportTo(md)));
        const QString text = readAll(md);
        QVERIFY2(text.section(u'\n', 2, 2).startsWith(u"**Partial: the read was cancelled after 22 packets"_qs),
            qPrintable(text.left(400)));
        QVERIFY(text.contains(u"open when the read stopped (cancelled)"_qs));
        QVERIFY2(!text.contains(u"end of the capture"_qs) && !text.contains(u"capture ended"_qs), qPrintable(text));
        QVERIFY(!text.contains(u"None.\n"_qs.prepend(u"## Findings\n\n"_qs)));
        const QString json = dir.filePath(QStringLiteral("after.json"));
        QVERIFY(w.exportReportTo(json).isEmpty());
        const auto doc = QJsonDocument::fromJson(readAll(json).toUtf8()).object();
        QVERIFY(doc.value(u"partial"_qs).toString().contains(u"cancelled after 22 packets"_qs));
        QCOMPARE(doc.value(u"findings"_qs).toArray().first().toObject().value(u"id"_qs).toString(),
            QStringLiteral("partial-read"));

        // A profile ticked afterwards analyses again: still partial.
        QSignalSpy updated(&w, &ui::MainWindow::findingsUpdated);
        w.profilePicker()->setSelectedNames({ QStringLiteral("aws-nlb") });
        QVERIFY(updated.wait(10000));
        QCOMPARE(w.findingsView()->findings().front().id, std::string("partial-read"));
        QVERIFY(w.timeline()->captions()->endOf(0).detail.contains(u"read stopped"_qs));
    }

    // A regular file cancelled mid-read: the same marks as a stream (the loader the window uses).
    void cancelledFileReadIsMarkedPartialLikeAStream()
    {
        std::atomic<bool> cancel { false };
        std::size_t batches = 0;
        const auto result = ui::loadCapture(
            KS_TEST_DATA_DIR "/goaway_too_many_pings.pcap", {},
            [&](ui::EventBatch&&) {
                ++batches;
                cancel = true; // Esc after the first few events
            },
            cancel, 5);
        QVERIFY(result.error.isEmpty());
        QVERIFY(result.cancelled);
        QVERIFY(result.packets < 31);
        QVERIFY2(
            result.partial.contains(u"cancelled after %1 packets"_qs.arg(result.packets)), qPrintable(result.partial));
        QVERIFY(!result.findings.empty());
        QCOMPARE(result.findings.front().id, std::string("partial-read"));
        for (const auto& f : result.findings) // read to its end, this capture's verdict is too_many_pings
            QVERIFY2(f.id != "goaway-too-many-pings", f.id.c_str());
        QCOMPARE(result.connections.size(), std::size_t(1));
        const auto& c = result.connections.front();
        QCOMPARE(c.endCause, core::EndCause::Open);
        QVERIFY2(c.endDetail.str().find("read stopped (cancelled)") != std::string::npos, c.endDetail.str().c_str());

        // Not cancelled: no mark, the whole verdict.
        std::atomic<bool> never { false };
        const auto whole = ui::loadCapture(
            KS_TEST_DATA_DIR "/goaway_too_many_pings.pcap", {}, [](ui::EventBatch&&) {}, never, 5);
        QVERIFY(!whole.cancelled && whole.partial.isEmpty());
        QVERIFY(std::none_of(whole.findings.begin(), whole.findings.end(),
            [](const core::Finding& f) { return f.id == "partial-read"; }));
    }
};

KS_QTEST_MAIN(TestPartialRead)
#include "tst_partial_read.moc"
