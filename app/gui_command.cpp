// GUI entry and the headless export. Qt is only started here, so analyze and lab stay headless.
#include "gui_command.h"

#include "core/lb_catalogue.h"
#include "findings_options.h"
#include "ui/capture_loader.h"
#include "ui/event_store.h"
#include "ui/main_window.h"
#include "ui/timeline_export.h"
#include "ui/timeline_view.h"

#include <QApplication>
#include <QIcon>

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace ks::app {

namespace {

const CliCommand& exportCommand()
{
    static const CliCommand command {
        "keepalive-scope export",
        "usage: keepalive-scope export CAPTURE --png OUT.png [--lb PROFILE[,PROFILE...]] [--lb-file FILE.json]\n"
        "                              [--width W] [--height H] [--scale S] [--dpi D]\n"
        "  renders the timeline of CAPTURE without a display\n",
        "",
        {
            { "--png", "OUT", "the file to write; OUT may end in .png, .pdf or .svg" },
            { "--out", "OUT", "the same as --png" },
            { "--width", "W", "the layout's width in pixels (default 1600)" },
            { "--height", "H", "the layout's height in pixels (default 900)" },
            { "--scale", "S", "PNG pixels per layout pixel (1 to 4)" },
            { "--dpi", "D", "the PDF page's resolution (72 to 1200, default 96)" },
            { "--lb", "NAME[,NAME..]", "mark where idle gaps cross these profiles' timeouts, as analyze judges them",
                true },
            kLbFileOption,
        },
        "exit status: 0 written, 1 the file could not be written, 2 bad options or input\n",
        1,
        "capture",
    };
    return command;
}

void setIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("KeepaliveScope"));
    QCoreApplication::setApplicationName(QStringLiteral("keepalive-scope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(KS_VERSION));
}

// Qt warns "QStandardPaths: XDG_RUNTIME_DIR not set, defaulting to ..." whenever it runs without
// a login session (as root in a container, from cron): noise on stderr, which is the tool's own
// channel for messages. Only that message is dropped; everything else goes on as before.
QtMessageHandler g_previousHandler = nullptr;

void filterRuntimeDirNoise(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set")))
        return;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
    else
        std::fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, message)));
}

bool parseInt(const std::string& s, int& out)
{
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

bool parseDouble(const std::string& s, double& out)
{
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

} // namespace

int runGui(int argc, char** argv, const std::string& capture)
{
    setIdentity();
    QApplication app(argc, argv);
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral("keepalive-scope"), QIcon::fromTheme(QStringLiteral("network-wired"))));
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    if (!capture.empty())
        window.openCapture(QString::fromStdString(capture));
    return QApplication::exec();
}

int runExport(int argc, char** argv, const std::vector<std::string>& args)
{
    const CliCommand& command = exportCommand();
    CliArgs parsed;
    if (const int status = parseCliOrExit(command, args, parsed); status >= 0)
        return status;
    if (parsed.has("--png") && parsed.has("--out")) {
        std::fprintf(stderr, "keepalive-scope export: --png and --out name the same file: give one\n");
        return 2;
    }
    const std::string out = parsed.value("--png", parsed.value("--out"));
    if (parsed.operands.empty() || out.empty()) {
        std::fputs(cliUsage(command).c_str(), stderr);
        return 2;
    }
    const std::string capture = parsed.operands.front();
    FindingsOptions lbOptions;
    lbOptions.lb = parsed.all("--lb");
    lbOptions.lbFiles = parsed.all("--lb-file");
    ui::TimelineExportOptions options;
    for (const char* name : { "--width", "--height", "--dpi" }) {
        if (!parsed.has(name))
            continue;
        int& value = std::string_view(name) == "--width" ? options.width
            : std::string_view(name) == "--height"       ? options.height
                                                         : options.dpi;
        if (!parseInt(parsed.value(name), value)) {
            std::fprintf(
                stderr, "keepalive-scope export: %s %s: expected a whole number\n", name, parsed.value(name).c_str());
            return 2;
        }
    }
    if (parsed.has("--scale") && !parseDouble(parsed.value("--scale"), options.scale)) {
        std::fprintf(stderr, "keepalive-scope export: --scale %s: expected a number (1 to 4)\n",
            parsed.value("--scale").c_str());
        return 2;
    }
    options.path = QString::fromStdString(out);
    if (const QString problem = ui::exportProblem(options); !problem.isEmpty()) {
        std::fprintf(stderr, "keepalive-scope export: %s\n", problem.toLocal8Bit().constData());
        return 2;
    }
    auto resolved = resolveProfiles(lbOptions);
    if (!resolved.errors.empty()) {
        for (const auto& e : resolved.errors)
            std::fprintf(stderr, "keepalive-scope export: %s\n", e.c_str());
        return 2;
    }
    const std::vector<core::LbCatalogueEntry> profiles = resolved.selected;
    // No display needed: render offscreen unless the caller chose a platform.
    if (!std::getenv("QT_QPA_PLATFORM"))
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    g_previousHandler = qInstallMessageHandler(filterRuntimeDirNoise);
    setIdentity();
    QApplication app(argc, argv);
    ui::EventStore store;
    store.setSourceName(QString::fromStdString(capture));
    std::atomic<bool> cancel { false };
    const auto result = ui::loadCapture(
        capture, profiles, [&](ui::EventBatch&& b) { store.append(b); }, cancel, 200000);
    if (!result.error.isEmpty()) {
        std::fprintf(stderr, "keepalive-scope: %s\n", qPrintable(result.error));
        return 2;
    }
    if (!result.warning.isEmpty())
        std::fprintf(stderr, "keepalive-scope: warning: %s\n", qPrintable(result.warning));
    store.setConnections(result.connections);
    ui::TimelineView view(&store);
    view.resize(options.width, options.height);
    view.setProfiles(profiles);
    view.fitAll();
    QString error;
    ui::TimelineExportPlan plan;
    if (!view.exportTo(options, &error, &plan)) {
        std::fprintf(stderr, "keepalive-scope export: %s\n", qPrintable(error));
        return 1;
    }
    ui::TimelineExportOptions drawn = options;
    drawn.height = plan.height + plan.noteHeight;
    std::fprintf(stderr, "wrote %s (%s, %zu events, %zu connections)\n", out.c_str(),
        ui::exportSizeText(drawn).toLocal8Bit().constData(), store.size(), store.laneCount());
    if (const QString text = ui::exportPlanText(options, plan); !text.isEmpty())
        std::fprintf(stderr, "keepalive-scope export: %s\n", qPrintable(text));
    return 0;
}

} // namespace ks::app
