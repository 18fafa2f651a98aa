// Names of connection endings as they appear in the JSON contract.
#include "connection_summary.h"

namespace ks::core {

std::string_view connectionEndName(ConnectionEnd end)
{
    switch (end) {
    case ConnectionEnd::Open:
        return "open";
    case ConnectionEnd::FinC2S:
        return "fin_c2s";
    case ConnectionEnd::FinS2C:
        return "fin_s2c";
    case ConnectionEnd::RstC2S:
        return "rst_c2s";
    case ConnectionEnd::RstS2C:
        return "rst_s2c";
    }
    return "open";
}

namespace {

struct CauseWords {
    std::string_view name, label;
};

constexpr std::array<CauseWords, kEndCauseCount> kCauseWords = { {
    { "open", "open" },
    { "graceful", "graceful" },
    { "too_many_pings", "too many pings" },
    { "max_idle", "max idle" },
    { "max_age", "max age" },
    { "max_idle_or_age", "max idle or age" },
    { "goaway_error", "GOAWAY error" },
    { "keepalive_timeout", "keepalive timeout" },
    { "idle_reset", "idle reset" },
    { "idle_close", "idle close" },
    { "silent_drop", "silent drop" },
    { "client_gave_up", "client gave up" },
    { "reset", "reset" },
    { "closed", "closed" },
} };

} // namespace

std::string_view endCauseName(EndCause cause)
{
    return kCauseWords[static_cast<std::size_t>(cause)].name;
}
std::string_view endCauseLabel(EndCause cause)
{
    return kCauseWords[static_cast<std::size_t>(cause)].label;
}

std::string_view endCauseLabel(const ConnectionSummary& c)
{
    const bool goawayEnd
        = c.endCause == EndCause::MaxIdle || c.endCause == EndCause::MaxAge || c.endCause == EndCause::MaxIdleOrAge;
    if (goawayEnd && c.rare().goawayByH2Proxy)
        return c.endCause == EndCause::MaxIdle ? "proxy idle" : "proxy GOAWAY";
    return endCauseLabel(c.endCause);
}

std::optional<EndCause> parseEndCause(std::string_view name)
{
    for (std::size_t i = 0; i < kEndCauseCount; ++i)
        if (kCauseWords[i].name == name)
            return static_cast<EndCause>(i);
    return std::nullopt;
}

bool refusedAtSyn(const ConnectionTraffic& s)
{
    return s.sawHandshake && s.end == ConnectionEnd::RstS2C && s.count(EventType::Syn) == 1 && s.payloadBytes == 0;
}

} // namespace ks::core
