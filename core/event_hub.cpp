// The event hub of the lab and of live capture: a short reorder window, then one numbered sequence.
#include "event_hub.h"

#include <ctime>
#include <limits>

namespace ks::core {

std::int64_t realtimeNs()
{
    timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

EventHub::EventHub(std::chrono::milliseconds window)
    : m_windowNs(std::chrono::duration_cast<std::chrono::nanoseconds>(window).count())
{
}

EventHub::~EventHub()
{
    stop();
}

void EventHub::addListener(Listener* listener)
{
    m_listeners.push_back(listener);
}

void EventHub::start(std::int64_t originNs)
{
    std::lock_guard lock(m_mutex);
    if (m_running)
        return;
    m_originNs = originNs;
    m_running = true;
    m_stopping = false;
    m_thread = std::thread([this] { run(); });
}

void EventHub::publish(Event event)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_followFirst && !m_aligned) {
            m_aligned = true;
            m_originNs = event.tsNs;
            if (__builtin_sub_overflow(realtimeNs(), event.tsNs, &m_clockOffsetNs))
                m_clockOffsetNs = 0; // a time centuries away: held by its own stamp
        }
        std::int64_t heldAt = 0;
        if (__builtin_add_overflow(event.tsNs, m_clockOffsetNs, &heldAt))
            heldAt = m_clockOffsetNs > 0 ? std::numeric_limits<std::int64_t>::max() : event.tsNs;
        m_held.emplace(heldAt, std::move(event));
    }
    m_wake.notify_one();
}

void EventHub::publishLab(Event event)
{
    event.tsNs = realtimeNs();
    {
        std::lock_guard lock(m_mutex);
        event.conn = m_channelConn;
        m_held.emplace(event.tsNs, std::move(event));
    }
    m_wake.notify_one();
}

void EventHub::setChannelConnection(std::uint32_t conn)
{
    std::lock_guard lock(m_mutex);
    m_channelConn = conn;
}

std::uint64_t EventHub::released() const
{
    std::lock_guard lock(m_mutex);
    return m_nextIndex;
}

void EventHub::releaseUpTo(std::int64_t limitNs, std::unique_lock<std::mutex>& lock)
{
    std::vector<Event> batch;
    while (!m_held.empty() && m_held.begin()->first <= limitNs) {
        auto node = m_held.extract(m_held.begin());
        Event e = std::move(node.mapped());
        e.index = m_nextIndex++;
        e.relNs = e.tsNs - m_originNs;
        batch.push_back(std::move(e));
    }
    if (batch.empty())
        return;
    // Deliver outside the state lock (listeners may be slow: a terminal, a pipe) but under the
    // delivery lock, so batches never interleave.
    std::lock_guard deliver(m_deliver);
    lock.unlock();
    for (const auto& e : batch)
        for (auto* l : m_listeners)
            l->onEvent(e);
    lock.lock();
}

void EventHub::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        const std::int64_t now = realtimeNs();
        releaseUpTo(now - m_windowNs, lock);
        if (m_stopping)
            break;
        if (m_held.empty()) {
            m_wake.wait_for(lock, std::chrono::milliseconds(100));
        } else {
            const std::int64_t due = m_held.begin()->first + m_windowNs - realtimeNs();
            if (due > 0)
                m_wake.wait_for(lock, std::chrono::nanoseconds(due));
        }
    }
}

void EventHub::stop()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_running)
            return;
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_thread.joinable())
        m_thread.join();
    std::unique_lock lock(m_mutex);
    releaseUpTo(INT64_MAX, lock);
    m_running = false;
}

} // namespace ks::core
