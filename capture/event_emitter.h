// Where decoders hand their events: the engine numbers them, counts them per connection and
// passes them on to the sink.
#pragma once

#include "core/event.h"

namespace ks::capture {

class EventEmitter {
public:
    virtual ~EventEmitter() = default;
    // Not `emit`: that is Qt's keyword macro, and this header is included next to Qt's.
    virtual void publish(core::Event& event) = 0;
};

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void onEvent(const core::Event& event) = 0;
};

} // namespace ks::capture
