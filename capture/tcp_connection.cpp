// A connection's payload decoder: both directions' reassembly feeding their HTTP/2 framers,
// which report to one HTTP/2 session.
#include "tcp_connection.h"

namespace ks::capture {

using core::Direction;

ConnectionDecoder::ConnectionDecoder(std::uint32_t id, EventEmitter& emitter, Http2Framer::Mode clientMode,
                                     Http2Framer::Mode serverMode)
    : framers {Http2Framer(clientMode), Http2Framer(serverMode)}
    , session(id, emitter)
    , streams {StreamReassembler(framers[0]), StreamReassembler(framers[1])}
{
    framers[0].setListener(&session.listener(Direction::ClientToServer));
    framers[1].setListener(&session.listener(Direction::ServerToClient));
}

} // namespace ks::capture
