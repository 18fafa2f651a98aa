// A program whose standard output is a pcap or pcapng stream: the capture helper, or a command of
// the user's such as `ssh host sudo tcpdump -U -w - 'tcp port 443'` or `kubectl exec POD --
// tcpdump -U -w -`. It runs in a process group of its own (so that stopping it stops what it
// started), its stdout is read by the same PacketSource that reads `analyze -`, and its stderr is
// kept (the last lines) to say why it failed.
#pragma once

#include "packet_source.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ks::capture {

class CaptureCommand {
public:
    // Runs argv[0] with these arguments (no shell). On failure nullptr and a reason in error.
    static std::unique_ptr<CaptureCommand> spawn(const std::vector<std::string>& argv, std::string& error);
    // Runs a command line through /bin/sh -c, as a terminal would.
    static std::unique_ptr<CaptureCommand> shell(const std::string& commandLine, std::string& error);
    ~CaptureCommand(); // stops the command if it still runs, and reaps it
    CaptureCommand(const CaptureCommand&) = delete;
    CaptureCommand& operator=(const CaptureCommand&) = delete;

    // The packet source on the command's stdout: blocks until the capture header arrived, the
    // command closed its stdout or exited, or terminate() was called. Once only. On failure
    // nullptr, and error says why, with the command's exit status and its last stderr lines.
    std::unique_ptr<PacketSource> openStream(std::string& error);
    // Asks the command to stop (SIGTERM to its process group, SIGKILL after a grace period in
    // finish()); unblocks openStream and the packet source's reads. Any thread.
    void terminate();
    bool terminated() const { return m_terminated.load(); }
    // Waits (bounded: at most graceMs, then SIGKILL) until it exited; returns how it ended, e.g.
    // "exited with status 1" or "killed by signal 15". Idempotent.
    std::string finish(int graceMs = 2000);
    // Whether it ended well: exit status 0, or ended by our own terminate().
    bool succeeded() const;
    // The last lines it wrote on stderr (at most about 4 KB), any thread.
    std::string stderrTail() const;
    // "the capture command `COMMAND` exited with status 1:\n<last stderr lines>", for the user.
    std::string failureReport();
    const std::string& display() const { return m_display; }
    int pid() const { return m_pid; }

private:
    CaptureCommand() = default;
    static std::unique_ptr<CaptureCommand> start(
        const std::vector<std::string>& argv, std::string display, std::string& error);
    void readStderr();

    std::string m_display; // the command as the user wrote it
    bool m_shell = false; // the user's command line (else a program of ours, e.g. the capture helper)
    int m_pid = -1;
    int m_stdout = -1;
    int m_stderr = -1;
    std::atomic<bool> m_terminated { false };
    std::atomic<bool> m_interrupt { false }; // read by the packet source's reads
    std::atomic<bool> m_reaped { false };
    int m_status = 0;
    std::thread m_stderrThread;
    mutable std::mutex m_stderrMutex;
    std::string m_stderrTail; // guarded by m_stderrMutex
};

} // namespace ks::capture
