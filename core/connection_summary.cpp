// Names of connection endings as they appear in the JSON contract.
#include "connection_summary.h"

namespace ks::core {

std::string_view connectionEndName(ConnectionEnd end)
{
    switch (end) {
    case ConnectionEnd::Open: return "open";
    case ConnectionEnd::FinC2S: return "fin_c2s";
    case ConnectionEnd::FinS2C: return "fin_s2c";
    case ConnectionEnd::RstC2S: return "rst_c2s";
    case ConnectionEnd::RstS2C: return "rst_s2c";
    }
    return "open";
}

} // namespace ks::core
