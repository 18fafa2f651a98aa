#include "event_pipe.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>

namespace ks::app {

namespace {

using core::Event;

// The texts of an event, in their packed order.
template <typename E> auto textsOf(E& e)
{
    return std::array { &e.debug, &e.path, &e.grpcMessage, &e.state, &e.method, &e.status, &e.message };
}
static_assert(sizeof(Event)
        == sizeof(core::EventFields) + sizeof(Event::settings)
            + std::tuple_size_v<decltype(textsOf(std::declval<Event&>()))> * sizeof(std::string),
    "Event has a member that EventPipe does not pack: add it to textsOf (a text) or to EventFields");

// The SETTINGS values an event holds: its settingsCount, at most the array's size.
std::size_t settingsBytes(const Event& e)
{
    return std::min<std::size_t>(e.settingsCount, e.settings.size()) * sizeof(core::SettingValue);
}

} // namespace

EventPipe::EventPipe(capture::EventSink& downstream)
    : m_downstream(downstream)
{
    // Every batch made now, so that memory is the same on any capture (not a batch more once the
    // worker falls behind): the one being filled, the queued ones, the one being passed on.
    m_filling.bytes.resize(kBatchBytes);
    m_spare.resize(kMaxQueuedBatches + 1);
    for (auto& batch : m_spare)
        batch.bytes.resize(kBatchBytes);
    m_worker = std::thread([this] { run(); });
}

EventPipe::~EventPipe()
{
    try {
        drain();
    } catch (...) {
        // Already reported where it mattered: a destructor running after an error has nothing to add.
    }
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_work.notify_one();
    m_worker.join();
}

// Packed: EventFields, a byte with one bit per non-empty text, the SETTINGS values
// (settingsCount of them), then each non-empty text as a 4-byte length and its bytes.
void EventPipe::onEvent(const Event& event)
{
    const auto texts = textsOf(event);
    unsigned mask = 0;
    const std::size_t settings = settingsBytes(event);
    std::size_t size = sizeof(core::EventFields) + 1 + settings;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (const std::size_t n = texts[i]->size()) {
            mask |= 1u << i;
            size += sizeof(std::uint32_t) + n;
        }
    }
    if (m_filling.bytes.size() - m_filling.used < size) {
        handOver();
        if (m_filling.bytes.size() < size)
            m_filling.bytes.resize(size); // a long GOAWAY debug text: this batch only
    }
    unsigned char* p = m_filling.bytes.data() + m_filling.used;
    m_filling.used += size;
    std::memcpy(p, static_cast<const core::EventFields*>(&event), sizeof(core::EventFields));
    p += sizeof(core::EventFields);
    *p++ = static_cast<unsigned char>(mask);
    if (settings) {
        std::memcpy(p, event.settings.data(), settings);
        p += settings;
    }
    if (mask == 0)
        return;
    for (const std::string* text : texts) {
        if (text->empty())
            continue;
        const auto length = static_cast<std::uint32_t>(text->size());
        std::memcpy(p, &length, sizeof length);
        std::memcpy(p + sizeof length, text->data(), length);
        p += sizeof length + length;
    }
}

void EventPipe::handOver()
{
    if (m_filling.used == 0)
        return;
    Batch next;
    bool wake = false;
    {
        std::unique_lock lock(m_mutex);
        m_room.wait(lock, [this] { return m_queued.size() < kMaxQueuedBatches || m_error; });
        if (m_error) {
            m_filling.used = 0; // the worker no longer passes events on: drain() says why
            return;
        }
        m_queued.push_back(std::move(m_filling));
        wake = m_queued.size() >= kWakeAtBatches;
        if (!m_spare.empty()) {
            next = std::move(m_spare.back());
            m_spare.pop_back();
        }
    }
    if (wake)
        m_work.notify_one();
    if (next.bytes.size() != kBatchBytes) {
        next.bytes.resize(kBatchBytes); // a fresh batch, or one that grew for a long text
        next.bytes.shrink_to_fit();
    }
    next.used = 0;
    m_filling = std::move(next);
}

void EventPipe::drain()
{
    handOver();
    std::unique_lock lock(m_mutex);
    m_draining = true;
    m_work.notify_one();
    m_room.wait(lock, [this] { return (m_queued.empty() && !m_working) || m_error; });
    m_draining = false;
    if (m_error)
        std::rethrow_exception(std::exchange(m_error, nullptr));
}

void EventPipe::unpack(const Batch& batch)
{
    const unsigned char* p = batch.bytes.data();
    const unsigned char* const end = p + batch.used;
    Event& e = m_unpacked;
    while (p < end) {
        const std::size_t valuesBefore = settingsBytes(e) / sizeof(core::SettingValue);
        std::memcpy(static_cast<core::EventFields*>(&e), p, sizeof(core::EventFields));
        p += sizeof(core::EventFields);
        const unsigned mask = *p++;
        const std::size_t settings = settingsBytes(e);
        if (settings || valuesBefore) {
            std::memcpy(e.settings.data(), p, settings);
            p += settings;
            for (std::size_t i = settings / sizeof(core::SettingValue); i < valuesBefore; ++i)
                e.settings[i] = {}; // as the engine leaves them: no values past the count
        }
        // The texts this event has, and the ones the event before had cleared.
        if (mask | m_unpackedMask) {
            const auto texts = textsOf(e);
            for (std::size_t i = 0; i < texts.size(); ++i) {
                if (!(mask & (1u << i))) {
                    texts[i]->clear();
                    continue;
                }
                std::uint32_t length = 0;
                std::memcpy(&length, p, sizeof length);
                texts[i]->assign(reinterpret_cast<const char*>(p + sizeof length), length);
                p += sizeof length + length;
            }
        }
        m_unpackedMask = mask;
        m_downstream.onEvent(e);
    }
}

void EventPipe::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        // A batch already waiting is taken at once; an empty queue waits for a few (or the end).
        m_work.wait(lock, [this] {
            return m_working ? !m_queued.empty()
                             : m_queued.size() >= kWakeAtBatches || (!m_queued.empty() && m_draining) || m_stop;
        });
        if (m_queued.empty())
            return; // stopping, and nothing is left
        Batch batch = std::move(m_queued.front());
        m_queued.erase(m_queued.begin());
        m_working = true;
        const bool wasFull = m_queued.size() + 1 == kMaxQueuedBatches;
        lock.unlock();
        if (wasFull)
            m_room.notify_one(); // the engine's thread may wait for this slot
        std::exception_ptr error;
        try {
            unpack(batch);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        if (error && !m_error)
            m_error = error;
        if (error)
            m_queued.clear();
        m_spare.push_back(std::move(batch));
        if (!m_queued.empty())
            continue; // still working: the next batch without sleeping
        m_working = false;
        m_room.notify_all(); // drain() may be waiting, or (after an error) the engine's thread
    }
}

} // namespace ks::app
