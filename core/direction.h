// A connection direction's words and uses beside the event model: which side sends it, its
// index into per-side arrays, and the other direction. Header-only, for the engine and rules.
#pragma once

#include "event.h"

#include <cstddef>

namespace ks::core {

// The side that sends in this direction: "client" or "server".
constexpr const char* sideName(Direction dir)
{
    return dir == Direction::ClientToServer ? "client" : "server";
}
// 0 for client-to-server, 1 for server-to-client: an index into per-side arrays.
constexpr std::size_t dirIndex(Direction dir)
{
    return dir == Direction::ClientToServer ? 0 : 1;
}
constexpr Direction otherDirection(Direction dir)
{
    return dir == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer;
}

} // namespace ks::core
