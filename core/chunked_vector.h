// A vector that grows in fixed chunks: no copy and no doubled peak when it grows, no allocation
// per element, and elements that never move. For per-connection state on a busy host.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace ks::core {

template <class T, std::size_t kChunk = 4096> class ChunkedVector {
public:
    ChunkedVector() = default;
    ChunkedVector(const ChunkedVector&) = delete;
    ChunkedVector& operator=(const ChunkedVector&) = delete;
    ~ChunkedVector() { clear(); }

    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

    T& operator[](std::size_t i) { return *at(i); }
    const T& operator[](std::size_t i) const { return *at(i); }

    template <class... Args> T& emplace_back(Args&&... args)
    {
        if (m_size % kChunk == 0)
            m_chunks.push_back(std::make_unique_for_overwrite<Slot[]>(kChunk));
        T* element = new (m_chunks.back()[m_size % kChunk].bytes) T(std::forward<Args>(args)...);
        ++m_size;
        return *element;
    }

    // Grows to n default-constructed elements (never shrinks).
    void growTo(std::size_t n)
    {
        while (m_size < n)
            emplace_back();
    }

    // Hands every element, in order, to take (as T&) and destroys it; each chunk is freed once
    // its elements are taken, and afterFreeing() runs after every kBatch chunks freed and at the
    // end. Empty after.
    template <class Take, class AfterFreeing> void drain(Take take, AfterFreeing afterFreeing, std::size_t kBatch = 64)
    {
        for (std::size_t i = 0; i < m_size; ++i) {
            T* element = at(i);
            take(*element);
            element->~T();
            if ((i + 1) % kChunk == 0 || i + 1 == m_size) {
                m_chunks[i / kChunk].reset();
                if ((i / kChunk + 1) % kBatch == 0)
                    afterFreeing();
            }
        }
        m_chunks.clear();
        m_size = 0;
        afterFreeing();
    }

    void clear()
    {
        for (std::size_t i = 0; i < m_size; ++i)
            at(i)->~T();
        m_chunks.clear();
        m_size = 0;
    }

private:
    // Raw storage: only the elements in use are constructed.
    struct Slot {
        alignas(T) unsigned char bytes[sizeof(T)];
    };

    T* at(std::size_t i) const { return std::launder(reinterpret_cast<T*>(m_chunks[i / kChunk][i % kChunk].bytes)); }

    std::vector<std::unique_ptr<Slot[]>> m_chunks;
    std::size_t m_size = 0;
};

} // namespace ks::core
