// HTTP/2 registry names (RFC 9113 section 7 error codes, section 6.5.2 settings).
#include "http2_codes.h"

#include <array>

namespace ks::core {

std::string_view http2ErrorName(std::uint32_t code)
{
    static constexpr std::array<std::string_view, 14> names {
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    };
    return code < names.size() ? names[code] : std::string_view("UNKNOWN");
}

std::string_view http2SettingName(std::uint16_t id)
{
    switch (id) {
    case 1:
        return "HEADER_TABLE_SIZE";
    case 2:
        return "ENABLE_PUSH";
    case 3:
        return "MAX_CONCURRENT_STREAMS";
    case 4:
        return "INITIAL_WINDOW_SIZE";
    case 5:
        return "MAX_FRAME_SIZE";
    case 6:
        return "MAX_HEADER_LIST_SIZE";
    case 8:
        return "ENABLE_CONNECT_PROTOCOL";
    case 9:
        return "NO_RFC7540_PRIORITIES";
    case 0xfe03:
        return "GRPC_ALLOW_TRUE_BINARY_METADATA";
    }
    return "UNKNOWN";
}

} // namespace ks::core
