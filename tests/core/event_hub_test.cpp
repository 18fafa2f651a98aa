// EventHub's clocks: a run's own events are measured from its start; a capture command's, stamped
// by another host's clock, from their first event, and never held back by that clock.
#include "core/event_hub.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace ks::core {
namespace {

struct Collect final : EventHub::Listener {
    std::mutex mutex;
    std::vector<Event> events;
    void onEvent(const Event& e) override
    {
        std::lock_guard lock(mutex);
        events.push_back(e);
    }
    std::size_t size()
    {
        std::lock_guard lock(mutex);
        return events.size();
    }
};

// Waits (bounded: 3 s) until n events came.
bool waitFor(Collect& c, std::size_t n)
{
    for (int i = 0; i < 300 && c.size() < n; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return c.size() >= n;
}

Event at(std::int64_t tsNs)
{
    Event e;
    e.tsNs = tsNs;
    e.type = EventType::Syn;
    return e;
}

constexpr std::int64_t kSecond = 1'000'000'000;

// `ssh host tcpdump -w -` from a host whose clock is 30 s behind (or ahead of) ours: times start
// at 0 (they were -29.8 s, and nothing was drawn), and a clock ahead does not hold events back.
TEST(EventHub, aCaptureCommandsEventsAreTimedFromTheirFirstWhateverTheirClock)
{
    for (const std::int64_t skew : { -30 * kSecond, 30 * kSecond }) {
        Collect got;
        EventHub hub;
        hub.addListener(&got);
        hub.followFirstEvent();
        const std::int64_t now = realtimeNs();
        hub.start(now);
        hub.publish(at(now + skew));
        hub.publish(at(now + skew + 10'000'000));
        ASSERT_TRUE(waitFor(got, 2)) << "skew " << skew << ": events held back";
        EXPECT_EQ(got.events[0].relNs, 0);
        EXPECT_EQ(got.events[1].relNs, 10'000'000);
        EXPECT_EQ(hub.originNs(), now + skew);
        hub.stop();
    }
}

TEST(EventHub, aLocalRunsEventsAreTimedFromItsStart)
{
    Collect got;
    EventHub hub;
    hub.addListener(&got);
    const std::int64_t now = realtimeNs();
    hub.start(now - kSecond);
    hub.publish(at(now));
    ASSERT_TRUE(waitFor(got, 1));
    EXPECT_EQ(got.events[0].relNs, kSecond);
    hub.stop();
}

} // namespace
} // namespace ks::core
