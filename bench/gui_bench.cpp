// GUI benchmark: open a large capture in the real window (offscreen) and measure how soon the
// timeline has something to show, how long the whole file takes, how long the GUI thread was
// ever blocked while it streamed in, and what a pan or zoom repaint costs with every event loaded.
// main (some 150 lines) is the benchmark's steps in the order they are printed.
#include "ui/event_filter_proxy.h"
#include "ui/event_store.h"
#include "ui/event_table_model.h"
#include "ui/main_window.h"
#include "ui/timeline_layer.h"
#include "ui/timeline_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Stats {
    double median = 0, p95 = 0, max = 0;
};

Stats stats(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    if (v.empty())
        return {};
    return { v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)], v.back() };
}

// A "Key:   123 kB" line of /proc/self/status, in kB; -1 when missing.
long statusKb(const std::string& key)
{
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind(key, 0) == 0)
            return std::stol(line.substr(key.size()));
    return -1;
}
long peakRssKb()
{
    return statusKb("VmHWM:");
}
long currentRssKb()
{
    return statusKb("VmRSS:");
}
// Starts the peak (VmHWM) over from the current RSS (Linux clear_refs value 5).
bool resetPeakRss()
{
    std::ofstream f("/proc/self/clear_refs");
    f << "5";
    f.close();
    return static_cast<bool>(f);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: ks_gui_bench CAPTURE [WIDTH HEIGHT] [--then SMALL_CAPTURE]\n");
        return 2;
    }
    // --then SMALL: after everything, open a small capture in the same window (a capture opened
    // after a large one must report its own parse time, not the large one's teardown).
    QString then;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--then") {
            then = QString::fromLocal8Bit(argv[i + 1]);
            for (int j = i; j + 2 <= argc; ++j)
                argv[j] = argv[j + 2];
            argc -= 2;
            break;
        }
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    const int width = argc > 3 ? std::atoi(argv[2]) : 1600;
    const int height = argc > 3 ? std::atoi(argv[3]) : 1000;
    ks::ui::MainWindow w;
    w.resize(width, height);
    w.show();
    QCoreApplication::processEvents();

    // Responsiveness: a 5 ms timer; any lateness is time the GUI thread could not react.
    QElapsedTimer clock;
    double maxStallMs = 0, maxStallAtMs = 0;
    qint64 lastTick = 0;
    QTimer ticker;
    ticker.setInterval(5);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (lastTick && (now - lastTick) / 1e6 - 5.0 > maxStallMs) {
            maxStallMs = (now - lastTick) / 1e6 - 5.0;
            maxStallAtMs = now / 1e6;
        }
        lastTick = now;
    });
    double firstBatchMs = -1, firstDrawMs = -1;
    QObject::connect(w.store(), &ks::ui::EventStore::appended, [&] {
        if (firstBatchMs < 0)
            firstBatchMs = clock.nsecsElapsed() / 1e6;
    });
    QObject::connect(w.timeline(), &QCustomPlot::afterReplot, [&] {
        if (firstDrawMs < 0 && w.timeline()->layerItem()->drawnMarkers() > 0)
            firstDrawMs = clock.nsecsElapsed() / 1e6;
    });
    QSignalSpy loaded(&w, &ks::ui::MainWindow::captureLoaded);
    clock.start();
    ticker.start();
    w.openCapture(QString::fromLocal8Bit(argv[1]));
    if (!loaded.wait(600000)) {
        std::fprintf(stderr, "ks_gui_bench: loading did not finish\n");
        return 1;
    }
    const double loadMs = clock.nsecsElapsed() / 1e6;
    ticker.stop();

    auto* tl = w.timeline();
    tl->fitAll();
    tl->replot();
    const std::size_t events = w.store()->size();
    std::vector<double> fitMs, panMs, zoomMs;
    QElapsedTimer t;
    for (int i = 0; i < 10; ++i) {
        t.start();
        tl->replot();
        fitMs.push_back(t.nsecsElapsed() / 1e6);
    }
    const std::size_t markersFit = tl->layerItem()->drawnMarkers();
    for (int i = 0; i < 40; ++i) {
        tl->xAxis->moveRange(tl->xAxis->range().size() * (i < 20 ? 0.05 : -0.05));
        t.start();
        tl->replot();
        panMs.push_back(t.nsecsElapsed() / 1e6);
    }
    for (int i = 0; i < 24; ++i) {
        tl->xAxis->scaleRange(i < 12 ? 0.6 : 1 / 0.6, tl->xAxis->range().center());
        t.start();
        tl->replot();
        zoomMs.push_back(t.nsecsElapsed() / 1e6);
    }
    const auto f = stats(fitMs), p = stats(panMs), z = stats(zoomMs);
    std::printf("GUI benchmark (offscreen, %dx%d window, timeline %dx%d px)\n", width, height, tl->axisRect()->width(),
        tl->axisRect()->height());
    std::printf("capture: %s: %zu events on %zu connections, %d table rows\n", argv[1], events, w.store()->laneCount(),
        w.table()->model()->rowCount());
    std::printf("open: first events in the store after %.0f ms, first timeline drawn with markers after %.0f ms, "
                "whole file (with findings) %.2f s\n",
        firstBatchMs, firstDrawMs, loadMs / 1000);
    std::printf("responsiveness while loading: longest GUI-thread stall %.0f ms (ending %.0f ms after open)\n",
        maxStallMs, maxStallAtMs);
    std::printf("repaint with all events: fit-all median %.1f ms (%zu markers drawn); pan median %.1f / p95 %.1f / max "
                "%.1f ms; "
                "zoom median %.1f / p95 %.1f / max %.1f ms\n",
        f.median, markersFit, p.median, p.p95, p.max, z.median, z.p95, z.max);
    // The table's filter runs on the GUI thread (one pass over the rows): time it.
    t.start();
    w.proxy()->setTypeVisible(ks::core::EventType::Data, false);
    const double filterMs = t.nsecsElapsed() / 1e6;
    w.proxy()->setTypeVisible(ks::core::EventType::Data, true);
    // The sort runs on a worker: a header click, then the same 5 ms ticker until the sorted order
    // is shown. Report the GUI thread's part (the click's handler: copying the keys; applying the
    // order) as the longest stall, apart from the wall time until the sorted rows show.
    QSignalSpy sorted(w.proxy(), &ks::ui::EventFilterProxy::sortFinished);
    maxStallMs = 0;
    lastTick = 0;
    clock.start();
    ticker.start();
    QCoreApplication::processEvents();
    t.start();
    w.table()->sortByColumn(ks::ui::EventTableModel::ConnColumn, Qt::AscendingOrder);
    const double clickMs = t.nsecsElapsed() / 1e6;
    if (!sorted.wait(600000)) {
        std::fprintf(stderr, "ks_gui_bench: sorting did not finish\n");
        return 1;
    }
    const double sortMs = t.nsecsElapsed() / 1e6;
    QCoreApplication::processEvents();
    ticker.stop();
    const double sortStallMs = std::max(maxStallMs, clickMs);
    bool ordered = true;
    for (int r = 1; r < w.proxy()->rowCount() && ordered; ++r)
        ordered = w.store()->record(w.proxy()->eventAt(r - 1)).conn <= w.store()->record(w.proxy()->eventAt(r)).conn;
    t.start();
    w.proxy()->setTypeVisible(ks::core::EventType::Data, false);
    const double sortedFilterMs = t.nsecsElapsed() / 1e6;
    w.proxy()->setTypeVisible(ks::core::EventType::Data, true);
    std::printf("event table: hide one event type %.0f ms (GUI thread; %.0f ms on the sorted view); sort by "
                "connection %.0f ms until shown (worker), longest GUI-thread stall during the sort %.0f ms "
                "(click handler %.0f ms)%s\n",
        filterMs, sortedFilterMs, sortMs, sortStallMs, clickMs, ordered ? "" : " NOT SORTED");
    const double peakMb = peakRssKb() / 1024.0;
    // Sorting by the Details column formats every row's text on the worker: time it, and its own
    // peak memory (the kernel's high-water mark is reset first; 5 = reset VmHWM).
    const double beforeMb = currentRssKb() / 1024.0;
    const bool resetPeak = resetPeakRss();
    QSignalSpy sortedByDetails(w.proxy(), &ks::ui::EventFilterProxy::sortFinished);
    t.start();
    w.table()->sortByColumn(ks::ui::EventTableModel::DetailsColumn, Qt::AscendingOrder);
    if (!sortedByDetails.wait(600000)) {
        std::fprintf(stderr, "ks_gui_bench: sorting by details did not finish\n");
        return 1;
    }
    const double detailsMs = t.nsecsElapsed() / 1e6;
    bool detailsOrdered = true;
    for (int r = 1; r < std::min(w.proxy()->rowCount(), 200000) && detailsOrdered; ++r)
        detailsOrdered = w.proxy()->index(r - 1, ks::ui::EventTableModel::DetailsColumn).data().toString()
            <= w.proxy()->index(r, ks::ui::EventTableModel::DetailsColumn).data().toString();
    std::printf("event table: sort by details %.0f ms until shown (worker); RSS %.0f MB before, peak %s%.0f MB during "
                "it%s\n",
        detailsMs, beforeMb, resetPeak ? "" : "(since start) ", peakRssKb() / 1024.0,
        detailsOrdered ? "" : " NOT SORTED");
    std::printf("peak RSS: %.0f MB\n", peakMb);
    if (!then.isEmpty()) {
        QSignalSpy again(&w, &ks::ui::MainWindow::captureLoaded);
        t.start();
        w.openCapture(then);
        if (!again.wait(600000)) {
            std::fprintf(stderr, "ks_gui_bench: loading %s did not finish\n", qPrintable(then));
            return 1;
        }
        std::printf("then %s: loaded after %.0f ms; the window says \"%s\"; RSS %.0f MB\n", qPrintable(then),
            t.nsecsElapsed() / 1e6, qPrintable(w.statusBar()->currentMessage()), currentRssKb() / 1024.0);
    }
    return 0;
}
