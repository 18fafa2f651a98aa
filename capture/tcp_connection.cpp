// A connection's payload decoder: both directions' reassembly feeding their HTTP/2 framers
// (through the TLS / h2c / CONNECT pipeline where a direction needs it), which report to one
// HTTP/2 session.
#include "tcp_connection.h"

#include <algorithm>
#include <charconv>

namespace ks::capture {

using core::Direction;

namespace {

std::size_t dirIndex(Direction dir)
{
    return dir == Direction::ClientToServer ? 0 : 1;
}

} // namespace

namespace {

// "10.1.2.3:41234", "[::1]:41234": IPv4 written digit by digit (a busy host's million summaries
// are named at the end; inet_ntop formats with sprintf).
std::string endpointName(const IpAddress& addr, std::uint16_t port)
{
    std::string out;
    out.reserve(24);
    const auto decimal = [&out](unsigned v) {
        char digits[5];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0 && n < 5);
        while (n > 0)
            out += digits[--n];
    };
    if (addr.family == 4) {
        for (std::size_t i = 0; i < 4; ++i) {
            if (i)
                out += '.';
            decimal(addr.bytes[i]);
        }
    } else {
        out = addr.toString(); // "[" INET6_ADDRSTRLEN "]"
    }
    out += ':';
    decimal(port);
    return out;
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
