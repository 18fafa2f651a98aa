// Spawning a capture command, keeping its stderr, and stopping it with everything it started.
#include "capture_command.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

extern char** environ;

namespace ks::capture {

namespace {

constexpr std::size_t kStderrKeep = 4096;

std::string describeStatus(int status)
{
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const char* name = sigabbrev_np(WTERMSIG(status));
        return "killed by signal " + std::to_string(WTERMSIG(status)) + (name ? " (SIG" + std::string(name) + ")" : "");
    }
    return "ended (status " + std::to_string(status) + ")";
}

} // namespace

std::unique_ptr<CaptureCommand> CaptureCommand::spawn(const std::vector<std::string>& argv, std::string& error)
{
    std::string display;
    for (const auto& a : argv)
        display += (display.empty() ? "" : " ") + a;
    return start(argv, display, error);
}

std::unique_ptr<CaptureCommand> CaptureCommand::shell(const std::string& commandLine, std::string& error)
{
    if (commandLine.find_first_not_of(" \t\r\n") == std::string::npos) {
        error = "the capture command is empty: give a command that writes a pcap stream to its standard output, "
                "e.g. ssh HOST sudo tcpdump -U -w - 'tcp port 443'";
        return nullptr;
    }
    auto command = start({ "/bin/sh", "-c", commandLine }, commandLine, error);
    if (command)
        command->m_shell = true;
    return command;
}

std::unique_ptr<CaptureCommand> CaptureCommand::start(
    const std::vector<std::string>& argv, std::string display, std::string& error)
{
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
        error = display + ": cannot start (" + std::strerror(errno) + ")";
        return nullptr;
    }
    if (pipe2(err, O_CLOEXEC) != 0) {
        error = display + ": cannot start (" + std::strerror(errno) + ")";
        ::close(out[0]);
        ::close(out[1]);
        return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // No standard input: ssh or kubectl must not take ours, nor wait for a password there.
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // A process group of its own: terminate() reaches the shell's children too (tcpdump under
    // sudo under ssh), and a Ctrl+C in our terminal does not stop it behind our back.
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(out[0]);
        ::close(err[0]);
        error = display + ": cannot start (" + std::strerror(rc) + ")";
        return nullptr;
    }
    std::unique_ptr<CaptureCommand> command(new CaptureCommand);
    command->m_display = std::move(display);
    command->m_pid = pid;
    command->m_stdout = out[0];
    command->m_stderr = err[0];
    // stderr is read all along: a command that writes much there (tcpdump's "listening on", ssh's
    // banners) must never block on a full pipe.
    command->m_stderrThread = std::thread([c = command.get()] { c->readStderr(); });
    return command;
}

CaptureCommand::~CaptureCommand()
{
    if (m_pid > 0 && !m_reaped)
        terminate();
    finish(1000);
    if (m_stderrThread.joinable())
        m_stderrThread.join();
    if (m_stderr >= 0)
        ::close(m_stderr);
    if (m_stdout >= 0)
        ::close(m_stdout);
}

void CaptureCommand::readStderr()
{
    char buf[1024];
    for (;;) {
        pollfd p { m_stderr, POLLIN, 0 };
        const int ready = ::poll(&p, 1, 100);
        if (ready == 0) {
            // A child that outlives the command may hold the pipe open: stop when we stopped it.
            if (m_interrupt.load() && m_reaped)
                return;
            continue;
        }
        if (ready < 0 && errno == EINTR)
            continue;
        const ssize_t n = ::read(m_stderr, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        std::lock_guard lock(m_stderrMutex);
        m_stderrTail.append(buf, static_cast<std::size_t>(n));
        if (m_stderrTail.size() > 2 * kStderrKeep)
            m_stderrTail.erase(0, m_stderrTail.size() - kStderrKeep);
    }
}

std::unique_ptr<PacketSource> CaptureCommand::openStream(std::string& error)
{
    if (m_stdout < 0) {
        error = m_display + ": its output is already being read";
        return nullptr;
    }
    const int fd = m_stdout;
    m_stdout = -1; // the source owns it now
    auto source = PacketSource::openPipe(fd, "the output of " + m_display, &m_interrupt, error);
    if (!source) {
        if (m_terminated.load()) {
            error = m_display + ": stopped before it wrote a capture header";
            return nullptr;
        }
        const bool nothing = error.find("no capture data arrived") != std::string::npos;
        if (!nothing) {
            // It writes, but not a capture (tcpdump without -w - prints text): it never will.
            const std::string notCapture = error;
            terminate();
            error = notCapture + " (write the capture to standard output: tcpdump -U -w -)\n" + failureReport();
            return nullptr;
        }
        // Its stdout closed with nothing on it: most often it failed, and said why on stderr.
        error = failureReport();
    }
    return source;
}

void CaptureCommand::terminate()
{
    m_terminated = true;
    m_interrupt = true;
    if (m_pid > 0 && !m_reaped)
        ::kill(-m_pid, SIGTERM);
}

std::string CaptureCommand::finish(int graceMs)
{
    if (m_pid <= 0)
        return {};
    if (!m_reaped) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(graceMs);
        int status = 0;
        pid_t r = 0;
        while ((r = ::waitpid(m_pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (r == 0) {
            ::kill(-m_pid, SIGKILL);
            r = ::waitpid(m_pid, &status, 0);
        }
        m_status = r == m_pid ? status : 0;
        m_reaped = true;
        // Whatever it started in its group goes with it.
        ::kill(-m_pid, SIGTERM);
        m_interrupt = true;
    }
    // The last words on stderr arrive with the exit: let the reader take them.
    if (m_stderrThread.joinable())
        m_stderrThread.join();
    return describeStatus(m_status);
}

bool CaptureCommand::succeeded() const
{
    if (!m_reaped)
        return true;
    if (WIFEXITED(m_status))
        return WEXITSTATUS(m_status) == 0 || (m_terminated.load() && WEXITSTATUS(m_status) == 143);
    return m_terminated.load() && WIFSIGNALED(m_status)
        && (WTERMSIG(m_status) == SIGTERM || WTERMSIG(m_status) == SIGKILL || WTERMSIG(m_status) == SIGPIPE);
}

std::string CaptureCommand::stderrTail() const
{
    std::lock_guard lock(m_stderrMutex);
    std::string tail
        = m_stderrTail.size() > kStderrKeep ? m_stderrTail.substr(m_stderrTail.size() - kStderrKeep) : m_stderrTail;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r'))
        tail.pop_back();
    // Start at a line boundary when the front was cut.
    if (m_stderrTail.size() > kStderrKeep)
        if (const auto nl = tail.find('\n'); nl != std::string::npos)
            tail.erase(0, nl + 1);
    return tail;
}

std::string CaptureCommand::failureReport()
{
    const std::string how = finish();
    const std::string tail = stderrTail();
    std::string report = (m_shell ? "the capture command `" : "`") + m_display + "` " + how;
    report += tail.empty() ? std::string(" and wrote nothing on stderr") : ":\n" + tail;
    return report;
}

} // namespace ks::capture
