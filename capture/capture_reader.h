// Reads a capture (file or pipe) to its end through the engine with the policy every front end
// shares: which link types are refused, what "nothing readable" and "stopped part way" say, and
// the warnings the results carry. `analyze` and the window's loader both read through it.
#pragma once

#include "capture_engine.h"
#include "packet_source.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace ks::capture {

// Empty when some interface of the source has a link type the engine decodes; else the message
// naming the file (name) and the supported types.
std::string unsupportedLinkTypeError(const PacketSource& source, const std::string& name);

struct CaptureReadResult {
    // Set when not one packet could be read: the source is bad input, not a capture to show.
    std::string error;
    // A record that could not be read ended the read part way: results cover what came before.
    std::string stoppedEarly;
    // What the results leave out or bend (capture_warnings.h), after stoppedEarly.
    std::vector<std::string> warnings;
    bool cancelled = false;
};

// Feeds every packet of source to engine until the end, an unreadable record or cancel, then
// finishes the engine (unless error is set). The source's Decryption Secrets Blocks, before the
// first packet or later, go to the engine's key log (CaptureEngine::addSecrets) as they come. beforePacket, when given,
// runs before each packet (analyze starts its output at the first one; the window hands over full batches).
CaptureReadResult readCapture(PacketSource& source, CaptureEngine& engine, const std::string& name,
    const std::function<void()>& beforePacket = {}, const std::atomic<bool>* cancel = nullptr);

} // namespace ks::capture
