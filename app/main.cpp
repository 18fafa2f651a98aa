// keepalive-scope: the command line. The engine commands (analyze, lint, lb-profiles, scenarios) run in this
// program, which links the engine and nothing heavier, so that analyzing a capture starts in a
// few milliseconds and a few megabytes. The window, export, the lab and --version run in
// keepalive-scope-gui (Qt, QCustomPlot, grpc++), which this program becomes with execv().
#include "analyze_command.h"
#include "lb_profiles_command.h"
#include "lint_command.h"
#include "scenarios_command.h"
#include "usage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string selfDir()
{
    char self[4096] = {};
    const auto n = readlink("/proc/self/exe", self, sizeof self - 1);
    const std::string path = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string();
    return path.substr(0, path.rfind('/') + 1);
}

// Beside this program (the build tree), or in ../libexec/keepalive-scope/ (installed).
int runFullProgram(char** argv)
{
    const std::string dir = selfDir();
    const std::string candidates[]
        = { dir + "keepalive-scope-gui", dir + "../libexec/keepalive-scope/keepalive-scope-gui" };
    for (const auto& path : candidates) {
        struct stat st { };
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            ::execv(path.c_str(), argv);
            std::fprintf(stderr, "keepalive-scope: cannot start %s (%s)\n", path.c_str(), std::strerror(errno));
            return 2;
        }
    }
    std::fprintf(stderr,
        "keepalive-scope: the window, export and the lab live in keepalive-scope-gui, which is neither in %s nor "
        "in %s../libexec/keepalive-scope/; build it (cmake --build --preset release) or reinstall the package\n",
        dir.c_str(), dir.c_str());
    return 2;
}

// glibc reads its tunables once, at start: analyze of a large capture runs itself again with
// glibc.malloc.hugetlb=1, so that malloc asks the kernel for transparent huge pages (madvise;
// glibc 2.35+). A busy host's million connections touch 450 MB; on the project's 2-core VM, where
// a 4 KB page fault is costly, that cut the user time of 1M connections from 4.8-6.6 s to 4.7-5.4 s
// (bench/run's N, four alternating pairs). The second start costs CPU that a capture needing a few
// megabytes never wins back (a 5 KB capture, 20 runs on a quiet machine: 23.3 ms with it, 19.9 ms
// without; under load the gap grew to 25 ms): so only files of kHugePagesFrom bytes or more, and
// standard input (its size is unknown), take it. When the exec fails, analyze goes on with small
// pages.
constexpr long long kHugePagesFrom = 128LL << 20;

bool worthHugePages(const std::vector<std::string>& analyzeArgs)
{
    const std::string path = ks::app::analyzeCapturePath(analyzeArgs);
    if (path == "-")
        return true;
    struct stat st { };
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= kHugePagesFrom;
}

void preferHugePages(char** argv)
{
    const char* current = std::getenv("GLIBC_TUNABLES");
    if (current && std::strstr(current, "glibc.malloc.hugetlb"))
        return; // the user's choice, or this is the second start
    const std::string value = current && *current ? std::string(current) + ":glibc.malloc.hugetlb=1"
                                                  : std::string("glibc.malloc.hugetlb=1");
    const std::string saved = current ? current : "";
    if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0)
        return;
    ::execv("/proc/self/exe", argv);
    if (current)
        ::setenv("GLIBC_TUNABLES", saved.c_str(), 1);
    else
        ::unsetenv("GLIBC_TUNABLES");
}

// The results are worth nothing if they never reached their reader (a full disk, a closed
// pipe with SIGPIPE ignored): say so and fail, whatever the command decided.
int checkedOutput(int status)
{
    errno = 0;
    if (std::fflush(stdout) == 0 && !std::ferror(stdout))
        return status;
    const int err = errno;
    std::fprintf(stderr, "keepalive-scope: cannot write the results to standard output (%s)\n",
        err ? std::strerror(err) : "write error");
    return status == 0 || status == 3 ? 1 : status;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "-h" || args[0] == "--help" || args[0] == "help")) {
        std::fputs(ks::app::kUsage, stdout);
        return checkedOutput(0);
    }
    if (!args.empty()) {
        const std::string command = args[0];
        const std::vector<std::string> rest(args.begin() + 1, args.end());
        if (command == "analyze") {
            if (worthHugePages(rest))
                preferHugePages(argv);
            return checkedOutput(ks::app::runAnalyze(rest));
        }
        if (command == "lint")
            return checkedOutput(ks::app::runLint(rest));
        if (command == "lb-profiles")
            return checkedOutput(ks::app::runLbProfiles(rest));
        if (command == "scenarios")
            return checkedOutput(ks::app::runScenarios(rest));
    }
    return runFullProgram(argv);
}
