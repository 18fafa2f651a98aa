// Where decoders hand their events: the engine numbers them, counts them per connection and
// passes them on to the sink. Decoders also report warnings (named by connection) through it and
// find the TLS key log there.
#pragma once

#include "core/event.h"

#include <string>

namespace ks::capture {

class KeyLog;
class TlsSession;

class EventEmitter {
public:
    virtual ~EventEmitter() = default;
    // Not `emit`: that is Qt's keyword macro, and this header is included next to Qt's.
    virtual void publish(core::Event& event) = 0;
    virtual void warn(std::string text) { (void)text; }
    // The secrets to decrypt TLS with; null when none were given.
    virtual KeyLog* keyLog() { return nullptr; }
    // Re-reads the key log files; true when secrets were added. Rate-limited by capture time: at
    // most once a second, or, for a lookup that just missed (miss), once a millisecond.
    virtual bool refreshKeyLog(std::int64_t tsNs, bool miss = false)
    {
        (void)tsNs;
        (void)miss;
        return false;
    }
    // How long (capture time) a TLS session whose secrets are not in the key log yet holds its
    // records for them: a live capture sees a handshake before the peer has written its key log
    // line. 0 (files): never.
    virtual std::int64_t keyLogWaitNs() const { return 0; }
    // A session holding records for its secrets: the emitter calls its retryKeys() while it waits.
    virtual void awaitKeys(TlsSession& session) { (void)session; }
    // A session going away (its connection was closed and freed): never call it again.
    virtual void forgetSession(TlsSession& session) { (void)session; }
};

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void onEvent(const core::Event& event) = 0;
};

} // namespace ks::capture
