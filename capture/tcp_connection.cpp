// A connection's payload decoder: both directions' reassembly feeding their HTTP/2 framers
// (through the TLS / h2c / CONNECT pipeline where a direction needs it), which report to one
// HTTP/2 session.
#include "tcp_connection.h"

#include "core/direction.h"

#include <algorithm>
#include <charconv>

namespace ks::capture {

using core::Direction;

namespace {

} // namespace

namespace {

// "10.1.2.3:41234", "[::1]:41234": IPv4 written digit by digit (a busy host's million summaries
// are named at the end; inet_ntop formats with sprintf).
std::string endpointName(const IpAddress& addr, std::uint16_t port)
{
    if (addr.family != 4)
        return addr.toString() + ':' + std::to_string(port); // "[" INET6_ADDRSTRLEN "]:port"
    // IPv4 written into a stack buffer and copied once: "255.255.255.255:65535" fits std::string's
    // inline buffer in most cases, so a busy host's million connections allocate nothing here.
    char buf[24];
    std::size_t n = 0;
    const auto decimal = [&](unsigned v) {
        char digits[5];
        std::size_t k = 0;
        do
            digits[k++] = static_cast<char>('0' + v % 10);
        while ((v /= 10) != 0 && k < sizeof digits);
        while (k > 0)
            buf[n++] = digits[--k];
    };
    for (std::size_t i = 0; i < 4; ++i) {
        if (i)
            buf[n++] = '.';
        decimal(addr.bytes[i]);
    }
    buf[n++] = ':';
    decimal(port);
    return std::string(buf, n);
}

} // namespace

std::string TcpConnection::clientName() const
{
    return endpointName(clientAddr, clientPort);
}

std::string TcpConnection::serverName() const
{
    return endpointName(serverAddr, serverPort);
}

ConnectionDecoder::ConnectionDecoder(const TcpConnection& tcpConn, EventEmitter& eventEmitter,
    Http2Framer::Mode clientMode, Http2Framer::Mode serverMode)
    : id(tcpConn.id)
    , conn(&tcpConn)
    , framers { Http2Framer(clientMode), Http2Framer(serverMode) }
    , session(tcpConn.id, eventEmitter)
    , emitter(&eventEmitter)
    , inputs { StreamInput(*this, Direction::ClientToServer), StreamInput(*this, Direction::ServerToClient) }
    , streams { StreamReassembler(inputs[0]), StreamReassembler(inputs[1]) }
{
    framers[0].setListener(&session.listener(Direction::ClientToServer));
    framers[1].setListener(&session.listener(Direction::ServerToClient));
}

void StreamInput::feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    const std::size_t d = dirIndex(m_dir);
    if (m_route == Route::Undecided) {
        // The connection's other direction decided first: follow it (a server speaks HTTP/2 or
        // TLS when its client does); else these bytes decide.
        const Route other = m_conn.inputs[1 - d].m_route;
        const bool fromStart = m_conn.connection().traffic.sawHandshake;
        if (other != Route::Undecided)
            m_route = other;
        else if (needsStreamPipeline(bytes, m_dir, fromStart))
            m_route = Route::Pipeline;
        else
            m_route = Route::Framer;
        if (m_route == Route::Pipeline && !m_conn.pipeline)
            m_conn.pipeline = std::make_unique<StreamPipeline>(m_conn, fromStart);
    }
    if (m_route == Route::Framer)
        m_conn.framers[d].feed(bytes, tsNs);
    else
        m_conn.pipeline->feed(m_dir, bytes, tsNs);
}

void StreamInput::gap(std::uint64_t count)
{
    if (m_route == Route::Pipeline)
        m_conn.pipeline->gap(m_dir, count);
    else
        m_conn.framers[dirIndex(m_dir)].gap(count);
}

} // namespace ks::capture
