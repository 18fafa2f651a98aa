// How each connection ended (ConnectionSummary::endCause): placeholder until the end-cause rules land.
#include "findings_state.h"

namespace ks::core {

void annotateEnds(const FindingsAnalyzer::State&, std::vector<ConnectionSummary>&) {}

} // namespace ks::core
