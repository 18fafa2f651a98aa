// The window's arrangement for its size, in a user's sequence: open a capture at 1024x700 (the
// timeline keeps most of the window), open a bad file (nothing lost), grow the window to
// 1600x1000 (the panels get room: long LB names and a whole settings tab), export the timeline
// at a chosen size. Set KS_SCREENSHOT_DIR to keep what was checked.
#include "qtest_main.h"

#include "test_data.h"
#include "ui/event_store.h"
#include "ui/lane_captions.h"
#include "ui/lb_profile_picker.h"
#include "ui/main_window.h"
#include "ui/settings_editor.h"
#include "ui/timeline_export_dialog.h"
#include "ui/timeline_layer.h"
#include "ui/timeline_view.h"

#include <QAction>
#include <QDockWidget>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
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

bool open(ui::MainWindow& w, const QString& path, bool expectOk = true)
{
    QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
    w.openCapture(path);
    return loaded.wait(20000) && loaded.constFirst().constFirst().toBool() == expectOk;
}

// The timeline's share of the window's area.
double timelineShare(const ui::MainWindow& w)
{
    const QSize t = w.timeline()->size(), all = w.size();
    return static_cast<double>(t.width() * t.height()) / static_cast<double>(all.width() * all.height());
}

void settle(ui::MainWindow& w, QSize size)
{
    w.resize(size);
    QTest::qWait(50); // the arrangement follows the resize in the next event-loop pass
    QCoreApplication::processEvents();
}

void saveShot(ui::MainWindow& w, const QString& name)
{
    w.timeline()->replot();
    if (qEnvironmentVariableIsSet("KS_SCREENSHOT_DIR"))
        w.grab().save(qEnvironmentVariable("KS_SCREENSHOT_DIR") % u'/' % name % u".png");
}

} // namespace

class TestWindowLayout : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QSettings().clear(); }

    void compactThenRoomyKeepsTheTimelineLargeAndThePanelsReadable()
    {
        ui::MainWindow w;
        w.resize(1024, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        settle(w, QSize(1024, 700));
        QVERIFY(open(w, data("lbsim_idle_reset.pcap")));
        QTest::qWait(50); // the timeline's queued replot
        QCOMPARE(w.layoutMode(), ui::MainWindow::LayoutMode::Compact);
        const double compact = timelineShare(w);
        qInfo("timeline share at 1024x700: %.2f (%dx%d)", compact, w.timeline()->width(), w.timeline()->height());
        saveShot(w, QStringLiteral("layout-1024x700"));
        QVERIFY2(compact >= 0.5, qPrintable(QString::number(compact)));
        // The panels fold away; one click shows them, as one tab group.
        const auto docks = w.findChildren<QDockWidget*>();
        const auto visibleDocks = [&docks] {
            int n = 0;
            for (auto* d : docks)
                n += d->isVisible() && !d->visibleRegion().isEmpty() ? 1 : 0;
            return n;
        };
        QCOMPARE(visibleDocks(), 0);
        auto* panels = w.findChild<QAction*>(QStringLiteral("showPanels"));
        QVERIFY(panels && !panels->isChecked());
        panels->trigger();
        QCoreApplication::processEvents();
        QCOMPARE(visibleDocks(), 1);
        panels->trigger();
        QCoreApplication::processEvents();
        QCOMPARE(visibleDocks(), 0);
        // Every lane in view keeps room for its row captions (the others scroll).
        w.timeline()->replot();
        const double lane = w.timeline()->yAxis->coordToPixel(1) - w.timeline()->yAxis->coordToPixel(0);
        QVERIFY2(lane >= ui::LaneCaptions::rowCaptionHeight(QFont(w.timeline()->font().family(), 7)),
            qPrintable(QString::number(lane)));
        saveShot(w, QStringLiteral("layout-1024x700"));

        // A bad file changes nothing on screen.
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.pcap"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a capture");
        f.close();
        const auto events = w.store()->size();
        QVERIFY(open(w, bad, false));
        QCOMPARE(w.store()->size(), events);
        if (auto* box = w.findChild<QMessageBox*>(QStringLiteral("openFailed")))
            box->close();

        // Larger: the panels get room, the timeline keeps its share.
        settle(w, QSize(1600, 1000));
        QCOMPARE(w.layoutMode(), ui::MainWindow::LayoutMode::Roomy);
        const double roomy = timelineShare(w);
        qInfo("timeline share at 1600x1000: %.2f (%dx%d)", roomy, w.timeline()->width(), w.timeline()->height());
        QVERIFY2(roomy >= 0.4, qPrintable(QString::number(roomy)));
        QCOMPARE(visibleDocks(), 2); // profiles and settings above, lab and live capture below
        // Long LB names are read whole: the list needs no horizontal scrolling.
        auto* list = w.profilePicker()->findChild<QListWidget*>();
        QVERIFY(list);
        QVERIFY2(list->horizontalScrollBar()->maximum() == 0,
            qPrintable(QString::number(list->horizontalScrollBar()->maximum())));
        // The settings editor shows a whole tab without scrolling.
        auto* settingsDock = w.findChild<QDockWidget*>(QStringLiteral("settingsDock"));
        settingsDock->raise();
        QCoreApplication::processEvents();
        for (auto* scroll : w.settingsEditor()->findChildren<QScrollArea*>())
            if (scroll->isVisible())
                QVERIFY2(scroll->verticalScrollBar()->maximum() == 0,
                    qPrintable(QString::number(scroll->verticalScrollBar()->maximum())));
        saveShot(w, QStringLiteral("layout-1600x1000"));

        // Export the timeline at a chosen size: too large is explained and refused, then a 2x PNG
        // and a 150 dpi PDF are written at the sizes asked for.
        auto* exportAction = w.findChild<QAction*>(QStringLiteral("exportTimeline"));
        QVERIFY(exportAction);
        exportAction->trigger();
        auto* dialog = w.findChild<ui::TimelineExportDialog*>();
        QVERIFY(dialog && dialog->isVisible());
        ui::TimelineExportOptions o = dialog->options();
        QCOMPARE(QSize(o.width, o.height), w.timeline()->size()); // the window's timeline by default
        o.path = dir.filePath(QStringLiteral("timeline.png"));
        o.width = 12000;
        o.height = 8000;
        o.scale = 2;
        dialog->setOptions(o);
        QVERIFY(!dialog->exportButton()->isEnabled());
        QVERIFY2(dialog->message().contains(u"million pixels"_qs) && dialog->message().contains(u"scale"_qs),
            qPrintable(dialog->message()));
        o.width = 800;
        o.height = 400;
        dialog->setOptions(o);
        QVERIFY2(dialog->exportButton()->isEnabled(), qPrintable(dialog->message()));
        // 400 layout px cannot hold the capture's 10 lanes: the height grows for them, said so.
        const QString message = dialog->message();
        QVERIFY2(message.contains(u"1600 × "_qs) && message.contains(u"all 10 connections"_qs), qPrintable(message));
        dialog->exportButton()->click();
        QTRY_VERIFY(QFileInfo::exists(o.path));
        QCOMPARE(QImage(o.path).width(), 1600);
        QVERIFY2(QImage(o.path).height() > 800 && message.contains(u"1600 × %1"_qs.arg(QImage(o.path).height())),
            qPrintable(message));
        exportAction->trigger(); // remembers the last choices
        dialog = w.findChild<ui::TimelineExportDialog*>();
        QTRY_VERIFY((dialog = w.findChild<ui::TimelineExportDialog*>()) && dialog->isVisible());
        QCOMPARE(dialog->options().scale, 2.0);
        o.path = dir.filePath(QStringLiteral("timeline.pdf"));
        o.dpi = 150;
        dialog->setOptions(o);
        QVERIFY(dialog->message().contains(u"150 dpi"_qs));
        dialog->exportButton()->click();
        QTRY_VERIFY(QFileInfo(o.path).size() > 1000);
        QFile pdf(o.path);
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");

        // And back: compact again.
        settle(w, QSize(1024, 700));
        QCOMPARE(w.layoutMode(), ui::MainWindow::LayoutMode::Compact);
        QVERIFY(timelineShare(w) >= 0.5);
    }
};

KS_QTEST_MAIN(TestWindowLayout)
#include "tst_window_layout.moc"
