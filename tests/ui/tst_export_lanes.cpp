// File > Export > Timeline draws every connection, as `keepalive-scope export` does: at the size
// the dialog offers (the window's) the height grows for the lanes that do not fit; where even the
// export's pixel bound cannot hold them, the dialog, the image and the status bar say which lanes
// it shows.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/event_store.h"
#include "ui/main_window.h"
#include "ui/timeline_export_dialog.h"
#include "ui/timeline_layer.h"
#include "ui/timeline_view.h"

#include <QAction>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>

using namespace ks;

class TestExportLanes : public QObject {
    Q_OBJECT

    static QString data(const char* name) { return QStringLiteral(KS_TEST_DATA_DIR "/") + QLatin1String(name); }

    static bool open(ui::MainWindow& w, const QString& path)
    {
        QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
        w.openCapture(path);
        return loaded.wait(60000) && loaded.constFirst().constFirst().toBool();
    }

    // Export through the menu's dialog at the given layout size; returns the dialog's message.
    static QString exportThroughDialog(ui::MainWindow& w, const QString& path, int width, int height)
    {
        auto* action = w.findChild<QAction*>(QStringLiteral("exportTimeline"));
        if (!action)
            return QStringLiteral("no export action");
        action->trigger();
        auto* dialog = w.findChild<ui::TimelineExportDialog*>();
        if (!dialog)
            return QStringLiteral("no dialog");
        ui::TimelineExportOptions o = dialog->options();
        o.path = path;
        o.width = width;
        o.height = height;
        dialog->setOptions(o);
        const QString message = dialog->message();
        dialog->exportButton()->click();
        return message;
    }

private Q_SLOTS:
    void init() { QSettings().clear(); }

    // The hunter's case: 10 connections, a 974 x 502 px export of a window that shows fewer lanes;
    // lane #9 was left out.
    void exportAtTheWindowsSizeDrawsEveryConnection()
    {
        ui::MainWindow w;
        w.resize(1400, 700);
        w.show();
        QVERIFY(open(w, data("lbsim_idle_reset.pcap")));
        QCOMPARE(w.store()->laneCount(), std::size_t(10));
        QTest::qWait(300); // the window's layout for its size settles (adaptLayout, queued)
        QVERIFY2(w.timeline()->lanesInView() < 10, qPrintable(QString::number(w.timeline()->lanesInView())));
        w.timeline()->replot();
        const auto shown = w.timeline()->layerItem()->drawnLanes();
        QVERIFY2(shown.second < 9, qPrintable(QString::number(shown.second)));
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("tl.png"));
        const QString message = exportThroughDialog(w, png, 974, 502);
        QVERIFY2(message.contains(u"all 10 connections"_qs), qPrintable(message));
        // The export's own draw covered every lane (the view is put back after it).
        QCOMPARE(w.timeline()->layerItem()->drawnLanes(), std::make_pair(0, 9));
        const QImage image(png);
        QCOMPARE(image.width(), 974);
        QVERIFY2(image.height() > 502 && message.contains(QString::number(image.height())),
            qPrintable(QString::number(image.height()) + u' ' + message));
        QVERIFY2(w.statusBar()->currentMessage().contains(u"all 10 connections"_qs),
            qPrintable(w.statusBar()->currentMessage()));
        w.timeline()->replot();
        QCOMPARE(w.timeline()->layerItem()->drawnLanes(), shown); // the window's view as it was
    }

    // More lanes than the 50-megapixel bound holds at the widest layout: the lanes that fit, and
    // every place the user looks says how many of how many.
    void whereThePixelBoundCutsTheExportSaysSo()
    {
        QTemporaryDir dir;
        const QString capture = dir.filePath(QStringLiteral("c120.pcap"));
        QCOMPARE(QProcess::execute(QStringLiteral("python3"),
                     { QStringLiteral(KS_TEST_DATA_DIR "/gen/synth_pcap.py"), QStringLiteral("connections"), capture,
                         QStringLiteral("--count"), QStringLiteral("120") }),
            0);
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(open(w, capture));
        QCOMPARE(w.store()->laneCount(), std::size_t(120));
        const QString pdf = dir.filePath(QStringLiteral("tl.pdf"));
        const QString message = exportThroughDialog(w, pdf, 20000, 600);
        QVERIFY2(message.contains(u"of 120 connections"_qs), qPrintable(message));
        QTRY_VERIFY(QFileInfo(pdf).size() > 1000);
        const auto [first, last] = w.timeline()->layerItem()->drawnLanes();
        QCOMPARE(first, 0);
        QVERIFY2(last > 20 && last < 119, qPrintable(QString::number(last)));
        const QString status = w.statusBar()->currentMessage();
        QVERIFY2(status.contains(u"shows %1 of 120 connections"_qs.arg(last + 1)), qPrintable(status));
    }
};

KS_QTEST_MAIN(TestExportLanes)
#include "tst_export_lanes.moc"
