// What the lab (and the window's live capture) needs from a packet capture: watch some TCP ports, feed decoded wire
// events into the hub. capture/live_capture.h implements it with libpcap; the lab runs without one (channel and RPC
// events only) when capture is not permitted.
#pragma once

#include "core/connection_summary.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ks::core {

class EventHub;

struct TapRequest {
    std::string device = "lo";
    std::vector<std::uint16_t> ports; // TCP ports to capture (either end)
    std::uint16_t channelPort = 0; // the port the test channel connects to: its connections are "the channel's"
    std::string filter; // a BPF filter of the user's (live capture from the window); empty: built from ports
    // A command whose stdout is a pcap or pcapng stream (e.g. ssh HOST tcpdump -U -w -), run
    // through /bin/sh instead of capturing on device; its own filter is the user's business.
    std::string command;
    // A TLS key log (NSS format) to decrypt with; it may still be growing (the lab's channel
    // writes it as it handshakes).
    std::string keyLogPath;
};

class WireTap {
public:
    virtual ~WireTap() = default;
    // Returns an empty string on success, else a message a user can act on.
    virtual std::string start(const TapRequest& request, EventHub& hub) = 0;
    virtual void stop() = 0;
    // After stop().
    virtual std::vector<ConnectionSummary> summaries() const = 0;
    virtual std::uint64_t packets() const = 0;
    virtual std::string description() const = 0; // e.g. "live capture on lo (Ethernet)"
};

} // namespace ks::core
