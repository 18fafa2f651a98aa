// What sits between TCP reassembly and the HTTP/2 framers when a connection does not start with
// the HTTP/2 preface: an HTTP/1.1 `Upgrade: h2c` (RFC 7540 section 3.2), an HTTP CONNECT tunnel
// (RFC 9110 section 9.3.6; how gRPC reaches a server through https_proxy), and TLS, in any
// nesting a client uses (CONNECT, then TLS or plaintext HTTP/2 inside). Allocated only for such
// connections; plaintext HTTP/2 goes from the reassembler to the framer directly.
#pragma once

#include "core/connection_summary.h"
#include "core/event.h"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ks::capture {

struct ConnectionDecoder;
class TlsSession;

// True when a direction's first bytes need the pipeline (TLS records; an HTTP/1.1 request or
// response at a connection's start).
bool needsStreamPipeline(std::span<const std::uint8_t> bytes, core::Direction dir, bool fromStart);

class StreamPipeline {
public:
    StreamPipeline(ConnectionDecoder& conn, bool fromStart);
    ~StreamPipeline();

    void feed(core::Direction dir, std::span<const std::uint8_t> bytes, std::int64_t tsNs);
    void gap(core::Direction dir, std::uint64_t count);
    void finish();

    std::shared_ptr<const core::TlsInfo> tlsInfo() const;
    const std::string& proxy() const { return m_proxy; }

    // An HTTP/1.1 head larger than this is not a CONNECT or an upgrade request.
    static constexpr std::size_t kMaxHeadBytes = 16 * 1024;
    // Client bytes held while the answer to CONNECT or Upgrade is awaited.
    static constexpr std::size_t kMaxHeldBytes = 256 * 1024;

private:
    enum class Stage : std::uint8_t { Sniff, Request, AwaitResponse, Response, Tls, Frames, Opaque };

    void feedStage(std::size_t d, std::span<const std::uint8_t> bytes, std::int64_t tsNs);
    void sniff(std::size_t d, std::span<const std::uint8_t> bytes, std::int64_t tsNs);
    std::size_t takeHead(std::size_t d, std::span<const std::uint8_t> bytes);
    void onRequestHead(std::span<const std::uint8_t> rest, std::int64_t tsNs);
    void onResponseHead(std::span<const std::uint8_t> rest, std::int64_t tsNs);
    void giveUp(const std::string& why);
    void ensureTls(bool aligned);
    std::string name() const;

    ConnectionDecoder& m_conn;
    bool m_fromStart;
    std::array<Stage, 2> m_stage { Stage::Sniff, Stage::Sniff };
    std::array<std::vector<std::uint8_t>, 2> m_buffer; // sniffed bytes, an HTTP/1 head, held bytes
    bool m_upgradeAsked = false;
    bool m_tunnelAsked = false;
    bool m_inTunnel = false;
    std::string m_target; // CONNECT authority
    std::string m_proxy;
    std::unique_ptr<TlsSession> m_tls;
    std::uint32_t m_dataRttUs = 0; // the data -> ACK time last given to m_tls
};

} // namespace ks::capture
