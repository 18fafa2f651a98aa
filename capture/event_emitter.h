// Where decoders hand their events: the engine numbers them, counts them per connection and
// passes them on to the sink. Decoders also report warnings (named by connection) through it and
// find the TLS key log there.
#pragma once

#include "core/event.h"

#include <string>

namespace ks::capture {

class KeyLog;

class EventEmitter {
public:
    virtual ~EventEmitter() = default;
    // Not `emit`: that is Qt's keyword macro, and this header is included next to Qt's.
    virtual void publish(core::Event& event) = 0;
    virtual void warn(std::string text) { (void)text; }
    // The secrets to decrypt TLS with; null when none were given.
    virtual KeyLog* keyLog() { return nullptr; }
    // Re-reads the key log files (rate-limited by capture time); true when secrets were added.
    virtual bool refreshKeyLog(std::int64_t tsNs) { (void)tsNs; return false; }
};

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void onEvent(const core::Event& event) = 0;
};

} // namespace ks::capture
