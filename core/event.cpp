// Names of event types and directions as they appear in the JSON contract.
#include "event.h"

namespace ks::core {

std::string_view eventTypeName(EventType type)
{
    switch (type) {
    case EventType::Syn:
        return "syn";
    case EventType::Fin:
        return "fin";
    case EventType::Rst:
        return "rst";
    case EventType::TcpKeepalive:
        return "tcp_keepalive";
    case EventType::TcpKeepaliveAck:
        return "tcp_keepalive_ack";
    case EventType::ZeroWindowProbe:
        return "zero_window_probe";
    case EventType::Preface:
        return "preface";
    case EventType::Settings:
        return "settings";
    case EventType::Headers:
        return "headers";
    case EventType::Data:
        return "data";
    case EventType::Ping:
        return "ping";
    case EventType::PingAck:
        return "ping_ack";
    case EventType::Goaway:
        return "goaway";
    case EventType::RstStream:
        return "rst_stream";
    case EventType::WindowUpdate:
        return "window_update";
    case EventType::ChannelState:
        return "channel_state";
    case EventType::Rpc:
        return "rpc";
    }
    return "unknown";
}

std::string_view directionName(Direction dir)
{
    return dir == Direction::ClientToServer ? "c2s" : "s2c";
}

} // namespace ks::core
