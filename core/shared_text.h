// Text that many values may share: a summary's end detail is the same sentence on most of a busy
// host's million connections, kept once (16 bytes per holder, not a 32-byte string and a copy).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace ks::core {

class SharedText {
public:
    SharedText() = default;
    SharedText(std::string text) // implicit: assigned from strings like one
        : m_text(text.empty() ? nullptr : std::make_shared<const std::string>(std::move(text)))
    {
    }
    SharedText(const char* text)
        : SharedText(std::string(text))
    {
    }
    // The same text for every holder: one allocation, made the first time.
    static SharedText shared(const std::shared_ptr<const std::string>& text)
    {
        SharedText t;
        t.m_text = text;
        return t;
    }

    bool empty() const { return !m_text; }
    const std::string& str() const { return m_text ? *m_text : none(); }
    std::size_t find(std::string_view what) const { return str().find(what); }

    friend bool operator==(const SharedText& a, std::string_view b) { return a.str() == b; }
    friend std::ostream& operator<<(std::ostream& out, const SharedText& t) { return out << t.str(); }

private:
    static const std::string& none()
    {
        static const std::string empty;
        return empty;
    }
    std::shared_ptr<const std::string> m_text; // null when empty
};

} // namespace ks::core
