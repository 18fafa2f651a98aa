// One ordered event stream for a lab run or a live capture: wire events from the capture thread
// and the lab's channel and RPC events from the gRPC threads meet here, are put in timestamp
// order (all timestamps are CLOCK_REALTIME, the clock the kernel stamps captured packets with)
// and numbered with one index sequence before listeners see them.
#pragma once

#include "core/event.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ks::core {

// Epoch nanoseconds from CLOCK_REALTIME, comparable with libpcap's packet timestamps.
std::int64_t realtimeNs();

class EventHub {
public:
    class Listener {
    public:
        virtual ~Listener() = default;
        // Called on the hub's own thread, one event at a time, in index order.
        virtual void onEvent(const Event& event) = 0;
    };

    // An event is held for `window` after its timestamp so that a packet the capture thread
    // delivers a few milliseconds late still takes its place before a later channel event.
    explicit EventHub(std::chrono::milliseconds window = std::chrono::milliseconds(40));
    ~EventHub();
    EventHub(const EventHub&) = delete;
    EventHub& operator=(const EventHub&) = delete;

    void addListener(Listener* listener); // before start()
    // originNs is t = 0 of the run; relNs of every event is measured from it.
    void start(std::int64_t originNs);
    // Before start(): the events come stamped by another host's clock (a capture command run over
    // ssh or kubectl, a file replayed by cat): the first event's time becomes t = 0, and events are
    // held by the local clock shifted by the difference, so that a clock behind ours gives no
    // negative times and one ahead of ours holds nothing back.
    void followFirstEvent() { m_followFirst = true; }
    // Any thread. Index and relNs are assigned on release.
    void publish(Event event);
    // A lab event (channel_state, rpc): stamped now and attributed to the channel's current
    // connection as last reported by setChannelConnection().
    void publishLab(Event event);
    void setChannelConnection(std::uint32_t conn);
    // Releases everything still held, in order, and stops the thread.
    void stop();

    std::int64_t originNs() const { return m_originNs.load(); }
    std::uint64_t released() const;

private:
    void run();
    void releaseUpTo(std::int64_t limitNs, std::unique_lock<std::mutex>& lock);

    const std::int64_t m_windowNs;
    std::atomic<std::int64_t> m_originNs = 0;
    bool m_followFirst = false;
    bool m_aligned = false; // followFirstEvent: the first event has set the origin and the offset
    std::int64_t m_clockOffsetNs = 0; // local clock minus the events' clock
    std::vector<Listener*> m_listeners;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::multimap<std::int64_t, Event> m_held; // by timestamp; equal stamps keep arrival order
    std::uint64_t m_nextIndex = 0;
    std::uint32_t m_channelConn = 0;
    bool m_running = false;
    bool m_stopping = false;
    std::thread m_thread;
    std::mutex m_deliver; // one release at a time, so listeners see a single ordered sequence
};

} // namespace ks::core
