// Live capture with libpcap: an interface (loopback for the lab) and a BPF filter, decoded by the
// same CaptureEngine as files, on its own thread, in immediate mode so that events reach the hub
// within milliseconds of the packet. Optionally saves what it captured as a pcap file.
// Without the capability itself, it runs the capture helper (keepalive-scope-capture, which
// holds cap_net_raw) and reads its pcap stream, as Wireshark reads dumpcap's; a capture command
// of the user's (tcpdump over ssh or kubectl exec) is read the same way.
#pragma once

#include "capture_command.h"
#include "capture_engine.h"
#include "core/wire_tap.h"
#include "packet_source.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;

namespace ks::capture {

class LiveCapture final : public core::WireTap {
public:
    // dumpPath: where to save the capture as pcap (written beside it, renamed on stop); empty: don't.
    explicit LiveCapture(std::string dumpPath = {});
    ~LiveCapture() override;
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    std::string start(const core::TapRequest& request, core::EventHub& hub) override;
    void stop() override;
    std::vector<core::ConnectionSummary> summaries() const override;
    std::uint64_t packets() const override;
    // After stop(): the key log's bad lines and the engine's TLS warnings (TLS without keys,
    // failed authentication).
    const std::vector<std::string>& warnings() const { return m_warnings; }
    // The engine's warnings while it runs (TLS without keys, a record failing authentication):
    // true and appended to out when any came since seen, which is advanced. Any thread.
    bool warningsSince(std::size_t& seen, std::vector<std::string>& out) const;
    std::string description() const override;

    // The connections seen so far, while the capture runs (endpoints right, counts as of the
    // connection's first packet, or of its latest FIN or RST once it closed): true and filled in when any appeared
    // since generation, which is advanced. Any thread may ask.
    bool connectionsSince(std::uint64_t& generation, std::vector<core::ConnectionSummary>& out) const;
    // Stops a start() that waits for a capture command's header (from another thread).
    void cancelStart();
    // True once a capture command's stream ended by itself (it exited, or closed its output);
    // reason then says how, with its last stderr lines. Any thread.
    bool streamEnded(std::string& reason, bool& failed) const;
    // The capture command's last stderr lines while it runs (e.g. tcpdump's "listening on").
    std::string commandStderr() const;
    // TLS secrets for the next start() (a key log the lab or the user names; its file is
    // re-read while the capture runs, so sessions logged after the start decrypt too). A
    // TapRequest::keyLogPath, when given, is loaded instead.
    void setKeyLog(std::shared_ptr<KeyLog> keys) { m_keyLog = std::move(keys); }
    // True when the last start() failed for lack of capture permission.
    bool permissionDenied() const { return m_permissionDenied; }
    int linkType() const { return m_linkType; }
    // "tcp and (port 1 or port 2)"
    static std::string filterFor(const std::vector<std::uint16_t>& ports);
    // The interfaces libpcap can open (pcap_findalldevs); on failure empty, with error set.
    static std::vector<std::string> devices(std::string& error);
    // How to grant capture permission (to the capture helper when there is one), one paragraph.
    static std::string permissionHint();
    // keepalive-scope-capture: $KS_CAPTURE_HELPER, beside this program, or in
    // ../libexec/keepalive-scope/; empty when there is none.
    static std::string captureHelperPath();

private:
    class HubSink;
    std::string openDirect(const std::string& device, const std::string& filter);
    std::string openHelper(const std::string& device, const std::string& filter);
    std::string openCommand(const std::vector<std::string>& argv, const std::string& shellLine);
    void run();
    void runStream();

    std::string m_dumpPath;
    std::string m_device;
    pcap_t* m_pcap = nullptr;
    pcap_dumper_t* m_dumper = nullptr;
    pcap_t* m_deadPcap = nullptr; // the dumper's handle when packets come from the helper
    std::unique_ptr<PacketSource> m_source; // the helper's or the capture command's pcap stream
    std::string m_commandLine; // the user's capture command, when there is one
    mutable std::mutex m_commandMutex;
    std::unique_ptr<CaptureCommand> m_command; // guarded by m_commandMutex where another thread may look
    std::atomic<bool> m_cancelled { false };
    std::atomic<bool> m_streamEnded { false };
    std::string m_endReason; // guarded by m_commandMutex
    bool m_endFailed = false; // guarded by m_commandMutex
    bool m_running = false;
    int m_linkType = 0;
    bool m_permissionDenied = false;
    std::unique_ptr<HubSink> m_sink;
    std::unique_ptr<CaptureEngine> m_engine;
    std::atomic<bool> m_stopping { false };
    std::thread m_thread;
    std::vector<core::ConnectionSummary> m_summaries; // filled by stop()
    std::shared_ptr<KeyLog> m_keyLog;
    mutable std::mutex m_liveMutex;
    std::vector<core::ConnectionSummary> m_live; // guarded by m_liveMutex: as of each connection's start or close
    std::uint64_t m_liveGeneration = 0; // guarded by m_liveMutex
    std::uint64_t m_packets = 0;
    std::vector<std::string> m_warnings;
    mutable std::mutex m_liveWarningsMutex;
    std::vector<std::string> m_liveWarnings; // as raised (the engine caps them)
    void process(std::int64_t tsNs, std::span<const std::uint8_t> frame);
};

} // namespace ks::capture
