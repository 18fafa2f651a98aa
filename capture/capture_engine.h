// The engine: captured frames in, keepalive events out. One engine serves files, pipes and live
// capture; it streams, so memory grows with connections, never with the capture's size.
#pragma once

#include "core/chunked_vector.h"
#include "core/connection_summary.h"
#include "core/memory_release.h"
#include "duplicate_filter.h"
#include "event_emitter.h"
#include "flow_table.h"
#include "ipv4_reassembler.h"
#include "key_log.h"
#include "packet_decoder.h"
#include "tcp_connection.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

namespace ks::capture {

struct EngineCounters {
    std::uint64_t packets = 0;
    std::uint64_t tcpPackets = 0;
    std::uint64_t otherPackets = 0; // not TCP over IPv4/IPv6
    std::uint64_t malformedPackets = 0; // truncated or inconsistent headers
    // TCP segments whose payload the capture holds only in part (its snapshot length cut them)
    std::uint64_t cutPackets = 0;
    std::uint64_t cutBytes = 0; // payload bytes missing from them
    std::uint64_t firstCutPacket = 0; // packet number, from 1
    std::uint64_t events = 0;
    std::uint64_t unreadableLinkPackets = 0; // on an interface of an unsupported or unknown link type
    int firstUnreadableLinkType = 0;
    std::uint64_t ipv4Fragments = 0; // held for reassembly
    // TCP segments recorded twice (DuplicateFilter): the copy is skipped
    std::uint64_t duplicates = 0;
    std::uint64_t firstDuplicate = 0; // packet number, from 1
    std::uint64_t fragmentsNotReassembled = 0; // of datagrams never completed (set by finish())
    // Packets stamped earlier than the one before: their time is held at the latest time seen,
    // so no duration or gap comes out negative. A step back of a second or more that the next
    // packet stays behind too is the capturing host's clock set back: the packets after it are
    // moved forward by the step (clockSteps).
    std::uint64_t timeBackwards = 0;
    std::uint64_t firstTimeBackwards = 0; // packet number, from 1
    std::int64_t largestStepBackNs = 0;
    std::uint64_t clockSteps = 0;
    // Holes in reassembled TCP streams that nothing filled (bytes the capture does not hold: the
    // capture missed the packets, or they never passed its point): connections and bytes.
    std::uint64_t connectionsWithHoles = 0;
    std::uint64_t holeBytes = 0;
    std::uint64_t firstHoleConnection = 0;
};

class CaptureEngine final : public EventEmitter {
public:
    CaptureEngine(int linkType, EventSink& sink);
    ~CaptureEngine() override;

    // The secrets TLS connections are decrypted with (a key log file, a pcapng Decryption Secrets
    // Block, or both merged). Set before the first packet; without it TLS is not decrypted and
    // PING / PING ACK are inferred from record sizes.
    void setKeyLog(std::shared_ptr<KeyLog> keys) { m_keyLog = std::move(keys); }
    // Secrets that arrive while reading (PacketSource::takeLateSecrets: a Decryption Secrets Block
    // after the first packet or in a stream), added to the key log (made if there is none) for
    // the sessions whose handshake comes later; source names them in warnings about bad lines.
    void addSecrets(std::string_view keyLogText, std::string_view source);
    // Warnings about the traffic, each naming its connection (TLS without keys, a record failing
    // authentication, a truncated handshake); at most kMaxWarnings, then one line counting the rest.
    const std::vector<std::string>& warnings() const { return m_warnings; }
    static constexpr std::size_t kMaxWarnings = 100;

    // Live capture: how long a TLS session without secrets holds its records while the key log
    // catches up (EventEmitter::keyLogWaitNs); 0 (the default, files): never.
    void setKeyLogWait(std::int64_t ns) { m_keyLogWaitNs = ns; }
    // Live capture, called every few milliseconds (nowNs: wall clock, as packet times): sessions
    // holding records look for their secrets again, and give up when the wait is over.
    void retryKeys(std::int64_t nowNs);
    // Called with each warning as it is raised (a live capture shows them while it runs).
    void setWarningListener(std::function<void(const std::string&)> listener)
    {
        m_warningListener = std::move(listener);
    }

    void processPacket(std::int64_t tsNs, std::span<const std::uint8_t> frame);
    // The link type of the packets that follow (a pcapng interface's); -1 when unknown.
    void setLinkType(int linkType);
    // End of input: deliver held segments, close the idle-gap bookkeeping and drop the decoders.
    void finish();

    const EngineCounters& counters() const { return m_counters; }
    std::int64_t originNs() const { return m_originNs; }
    std::vector<core::ConnectionSummary> summaries() const;
    // One connection's summary so far; id < connectionCount().
    core::ConnectionSummary summary(std::uint32_t id) const;
    std::size_t connectionCount() const { return m_connections.size(); }
    // After finish(): every summary, built from the connections as they are freed; the engine
    // forgets its connections (connectionCount() is 0 after).
    std::vector<core::ConnectionSummary> takeSummaries();

private:
    struct FlowKey {
        IpAddress a, b;
        std::uint16_t portA = 0, portB = 0;
        bool operator==(const FlowKey&) const = default;
    };
    static std::uint64_t hashOf(const FlowKey& k);
    static FlowKey keyOf(const IpAddress& a, std::uint16_t portA, const IpAddress& b, std::uint16_t portB);
    FlowKey keyOf(const TcpConnection& conn) const;

    void publish(core::Event& event) override;
    void warn(std::string text) override;
    KeyLog* keyLog() override { return m_keyLog.get(); }
    bool refreshKeyLog(std::int64_t tsNs, bool miss) override;
    std::int64_t keyLogWaitNs() const override { return m_keyLogWaitNs; }
    void awaitKeys(TlsSession& session) override { m_awaitingKeys.push_back(&session); }
    void forgetSession(TlsSession& session) override { std::erase(m_awaitingKeys, &session); }
    TcpConnection& connectionFor(const TcpSegment& seg, std::int64_t tsNs);
    TcpConnection& createConnection(
        const FlowKey& key, std::uint64_t hash, const TcpSegment& seg, std::int64_t tsNs, bool reused);
    void payload(TcpConnection& conn, std::size_t d, const TcpSegment& seg, std::int64_t tsNs, bool fresh);
    void sampleDataRtt(TcpConnection& conn, std::size_t d, std::uint32_t seq, std::uint32_t seglen, std::uint32_t ack,
        bool acks, bool keepalive, std::int64_t tsNs);
    ConnectionDecoder& makeDecoder(TcpConnection& conn, bool hunting);
    void closeDecoder(TcpConnection& conn);
    // guessed: no rule but the last (the first packet's destination) told them apart.
    bool srcIsServerByHeuristic(const TcpSegment& seg, bool& guessed) const;
    void emitTcp(TcpConnection& conn, core::Direction dir, core::EventType type, std::int64_t tsNs,
        std::uint32_t seq = 0, bool peerDataAcked = false, bool ownDataAcked = false);

    int m_linkType;
    bool m_linkSupported = true;
    std::int64_t m_latestNs = 0;
    std::int64_t m_clockShiftNs = 0; // the clock steps back so far (EngineCounters::clockSteps)
    bool m_timeHeld = false; // this packet's time ran backwards and is held at m_latestNs (Event::timeHeld)
    std::int64_t m_pendingStepNs = 0; // the last packet stepped back this far: a clock step if the next does too
    Ipv4Reassembler m_fragments;
    DuplicateFilter m_duplicates;
    EventSink& m_sink;
    EngineCounters m_counters;
    bool m_haveOrigin = false;
    std::int64_t m_originNs = 0;
    std::uint64_t m_nextIndex = 0;
    FlowTable m_table;
    std::unordered_map<std::uint32_t, std::uint32_t> m_serverPortUses; // port -> connections (v4/v6 mixed)
    // Sessions holding records for their secrets. Declared before m_connections, which owns the
    // sessions: a session leaving (forgetSession) finds it still alive, also in ~CaptureEngine.
    std::vector<TlsSession*> m_awaitingKeys;
    // By id, each with its running traffic record (TcpConnection::traffic; http2 final once the
    // decoder is dropped): the summaries are built from them at the end (takeSummaries).
    core::ChunkedVector<TcpConnection> m_connections;
    TcpSegment m_segment; // reused per packet
    bool m_haveLastFlow = false;
    FlowKey m_lastFlow;
    std::uint32_t m_lastFlowIndex = 0;
    std::shared_ptr<KeyLog> m_keyLog;
    bool m_refreshed = false;
    std::int64_t m_lastRefreshNs = 0; // capture time
    std::int64_t m_keyLogWaitNs = 0;
    std::function<void(const std::string&)> m_warningListener;
    std::vector<std::string> m_warnings;
    std::uint64_t m_warningsDropped = 0;
};

} // namespace ks::capture
