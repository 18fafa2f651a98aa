// Live capture with libpcap: an interface (loopback for the lab) and a BPF filter, decoded by the
// same CaptureEngine as files, on its own thread, in immediate mode so that events reach the hub
// within milliseconds of the packet. Optionally saves what it captured as a pcap file.
#pragma once

#include "capture_engine.h"
#include "core/lab/wire_tap.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;

namespace ks::capture {

class LiveCapture final : public core::lab::WireTap {
public:
    // dumpPath: where to save the capture as pcap (written beside it, renamed on stop); empty: don't.
    explicit LiveCapture(std::string dumpPath = {});
    ~LiveCapture() override;
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    std::string start(const core::lab::TapRequest& request, core::lab::EventHub& hub) override;
    void stop() override;
    std::vector<core::ConnectionSummary> summaries() const override;
    std::uint64_t packets() const override;
    std::string description() const override;

    // True when the last start() failed for lack of capture permission.
    bool permissionDenied() const { return m_permissionDenied; }
    int linkType() const { return m_linkType; }
    // "tcp and (port 1 or port 2)"
    static std::string filterFor(const std::vector<std::uint16_t>& ports);
    // The interfaces libpcap can open (pcap_findalldevs); on failure empty, with error set.
    static std::vector<std::string> devices(std::string& error);
    // How to grant capture permission to this program, one paragraph.
    static std::string permissionHint();

private:
    class HubSink;
    void run();

    std::string m_dumpPath;
    std::string m_device;
    pcap_t* m_pcap = nullptr;
    pcap_dumper_t* m_dumper = nullptr;
    int m_linkType = 0;
    bool m_permissionDenied = false;
    std::unique_ptr<HubSink> m_sink;
    std::unique_ptr<CaptureEngine> m_engine;
    std::atomic<bool> m_stopping {false};
    std::thread m_thread;
    std::vector<core::ConnectionSummary> m_summaries; // filled by stop()
    std::uint64_t m_packets = 0;
    std::string m_dumpError;
};

} // namespace ks::capture
