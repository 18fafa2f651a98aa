// Values kept behind a pointer, made only when needed, copied deeply: for the figures that most
// of a busy host's million connections (or findings) never have, so they cost 8 bytes, not their size.
#pragma once

#include <memory>
#include <optional>

namespace ks::core {

// A copyable pointer to a value made only when needed: the figures most connections never have.
template <class T> class Boxed {
public:
    Boxed() = default;
    Boxed(const Boxed& o)
        : m_p(o.m_p ? std::make_unique<T>(*o.m_p) : nullptr)
    {
    }
    Boxed& operator=(const Boxed& o)
    {
        if (this != &o)
            m_p = o.m_p ? std::make_unique<T>(*o.m_p) : nullptr;
        return *this;
    }
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(Boxed&&) noexcept = default;

    const T& get() const { return m_p ? *m_p : none(); }
    T& make()
    {
        if (!m_p)
            m_p = std::make_unique<T>();
        return *m_p;
    }

private:
    static const T& none()
    {
        static const T empty {};
        return empty;
    }
    std::unique_ptr<T> m_p;
};

// An optional value on the heap: reads like std::optional (bool, *, ->), 8 bytes when empty.
template <class T> class OptionalBox {
public:
    OptionalBox() = default;
    OptionalBox(const OptionalBox& o)
        : m_p(o.m_p ? std::make_unique<T>(*o.m_p) : nullptr)
    {
    }
    OptionalBox& operator=(const OptionalBox& o)
    {
        if (this != &o)
            m_p = o.m_p ? std::make_unique<T>(*o.m_p) : nullptr;
        return *this;
    }
    OptionalBox(OptionalBox&&) noexcept = default;
    OptionalBox& operator=(OptionalBox&&) noexcept = default;
    OptionalBox& operator=(T value)
    {
        m_p = std::make_unique<T>(std::move(value));
        return *this;
    }

    explicit operator bool() const { return m_p != nullptr; }
    bool has_value() const { return m_p != nullptr; }
    const T& operator*() const { return *m_p; }
    T& operator*() { return *m_p; }
    const T* operator->() const { return m_p.get(); }
    T* operator->() { return m_p.get(); }
    operator std::optional<T>() const { return m_p ? std::optional<T>(*m_p) : std::nullopt; }

private:
    std::unique_ptr<T> m_p;
};

} // namespace ks::core
