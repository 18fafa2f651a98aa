// Events from a hub thread (lab or live capture), collected for the GUI thread, which takes them
// as one batch per drain tick.
#pragma once

#include "core/lab/event_hub.h"
#include "event_record.h"

#include <mutex>

namespace ks::ui {

struct BatchCollector : core::lab::EventHub::Listener {
    void onEvent(const core::Event& event) override
    {
        std::lock_guard lock(m_mutex);
        m_builder.add(event);
    }
    // False when nothing arrived since the last call.
    bool take(EventBatch& batch)
    {
        std::lock_guard lock(m_mutex);
        if (m_builder.empty())
            return false;
        batch = m_builder.take();
        return true;
    }

private:
    std::mutex m_mutex;
    EventBatchBuilder m_builder;
};

} // namespace ks::ui
