// Events from a hub thread (lab or live capture), collected for the GUI thread, which takes them
// as one batch per drain tick, with the live capture's connections as they appear.
#pragma once

#include "capture/live_capture.h"
#include "core/event_hub.h"
#include "event_record.h"

#include <memory>
#include <mutex>
#include <vector>

namespace ks::ui {

struct BatchCollector : core::EventHub::Listener {
    void onEvent(const core::Event& event) override
    {
        std::lock_guard lock(m_mutex);
        m_builder.add(event);
    }
    // The events since the last call as one batch, with the capture's connections when new ones
    // appeared (so that lanes are labelled while it runs). False when no event arrived.
    bool take(EventBatch& batch, std::int64_t originNs, int decimals)
    {
        std::vector<std::string> warnings;
        if (tap)
            tap->warningsSince(m_warningsSeen, warnings);
        {
            std::lock_guard lock(m_mutex);
            if (m_builder.empty() && warnings.empty())
                return false;
            batch = m_builder.take();
        }
        batch.warnings = std::move(warnings);
        if (tap)
            tap->connectionsSince(m_connectionGeneration, batch.connections);
        batch.originNs = originNs;
        batch.decimals = decimals;
        return true;
    }

    // What the lab and live-capture sessions share; tap and the results are the session's to set.
    std::unique_ptr<capture::LiveCapture> tap;
    std::vector<core::ConnectionSummary> connections; // after stop
    std::uint64_t packets = 0; // after stop

private:
    std::mutex m_mutex;
    EventBatchBuilder m_builder;
    std::uint64_t m_connectionGeneration = 0; // of the tap's connections last handed over (GUI thread)
    std::size_t m_warningsSeen = 0; // of the tap's warnings (GUI thread)
};

} // namespace ks::ui
