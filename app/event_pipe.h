// Hands the engine's events to another sink on a worker thread, in order: while the engine's
// thread reads, decrypts and decodes packets, the worker runs the findings analyzer and writes the
// output (about a third of analyze's instructions on a busy capture). Events cross packed (their
// fields as one block, then only the texts and SETTINGS values they have: about 110 bytes rather
// than the 424 of an Event) in batches of a bounded queue, all made at the start, so memory stays
// flat whatever the capture's size.
#pragma once

#include "capture/event_emitter.h"

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ks::app {

class EventPipe final : public capture::EventSink {
public:
    explicit EventPipe(capture::EventSink& downstream);
    ~EventPipe() override; // drains, then stops the worker
    EventPipe(const EventPipe&) = delete;
    EventPipe& operator=(const EventPipe&) = delete;

    // Packs the event into the batch being filled; hands the batch over when it is full (and
    // waits while the worker is kMaxQueuedBatches behind).
    void onEvent(const core::Event& event) override;
    // Hands over what is batched and returns once the downstream sink has seen every event so
    // far: what the caller does next (the document head or tail, the findings) sees them all.
    // Rethrows what the downstream sink threw on the worker.
    void drain();

    static constexpr std::size_t kBatchBytes = 256 * 1024;
    static constexpr std::size_t kMaxQueuedBatches = 4;
    // The worker is woken when this many batches wait (or at drain()): waking a thread costs tens
    // of microseconds on a VM, so it takes a few batches at a time.
    static constexpr std::size_t kWakeAtBatches = 2;

private:
    struct Batch {
        std::vector<unsigned char> bytes; // packed events
        std::size_t used = 0;
    };
    void handOver();
    void run();
    void unpack(const Batch& batch);

    // The engine's thread writes m_filling at every event, the worker m_unpacked: on one cache
    // line the two threads took it from each other at every event, and that was 15% of the
    // engine thread's time on the PING-heavy bench capture. Each group has lines of its own
    // (128 bytes: a line and the neighbour its prefetcher brings along).
    static constexpr std::size_t kApart = 128;
    capture::EventSink& m_downstream;
    alignas(kApart) Batch m_filling;
    alignas(kApart) core::Event m_unpacked; // the worker's: reused, so its strings keep their buffers
    unsigned m_unpackedMask = 0; // which of its texts are not empty
    alignas(kApart) std::mutex m_mutex;
    std::condition_variable m_work; // the worker waits for batches
    std::condition_variable m_room; // the engine's thread waits for a free slot, or drain() for the end
    std::vector<Batch> m_queued; // oldest first (a handful at most)
    std::vector<Batch> m_spare; // passed-on batches, for reuse
    bool m_working = false; // the worker is passing a batch on
    bool m_draining = false; // drain() waits: the worker takes even a single batch
    bool m_stop = false;
    std::exception_ptr m_error;
    std::thread m_worker;
};

} // namespace ks::app
