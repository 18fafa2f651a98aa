// The load-balancer catalogue: the built-in profiles (resources/lb_profiles.json, compiled in)
// plus the user's own files of the same format, and the --lb name selection.
#pragma once

#include "lb_profile.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::core {

// A profile as the catalogue holds it, with what resets its idle timer (unknown where the
// documentation does not say). http2PingResetsIdle is false for middleboxes that only count
// requests (AWS ALB, Envoy's idle_timeout): there, keepalive PINGs do not help.
// idleOnlyWithoutStreams: the timer runs only while no stream is open (Envoy's idle_timeout, nginx
// keepalive_timeout), so an open stream holds the connection however quiet it is.
struct LbCatalogueEntry {
    LbProfile profile;
    std::optional<bool> http2PingResetsIdle;
    std::optional<bool> idleOnlyWithoutStreams;
};

struct LbCatalogueLoad {
    std::vector<LbCatalogueEntry> entries;
    std::vector<std::string> errors; // "file: profiles[3] (\"aws-nlb\").idle_timeout_s: ..."
};

// Accepts {"format":"keepalive-scope-lb-profiles","version":1,"profiles":[...]} or a bare array.
LbCatalogueLoad parseLbCatalogue(std::string_view json, std::string_view sourceName);
LbCatalogueLoad loadLbCatalogueFile(const std::string& path);
// The compiled-in catalogue (never has errors; a test checks it).
const std::vector<LbCatalogueEntry>& builtinLbCatalogue();
std::string_view builtinLbCatalogueJson();

// One entry as the catalogue file spells it (the inverse of parsing), and a whole catalogue
// document {"format":"keepalive-scope-lb-profiles","version":1,"profiles":[...]}.
std::string lbCatalogueEntryJson(const LbCatalogueEntry& entry);
std::string lbCatalogueJson(const std::vector<LbCatalogueEntry>& entries);

// Resolves "aws-nlb,gcp-cloud-nat" against the catalogue (user entries first, so a user file
// can override a built-in name). Unknown names are errors listing the known ones.
LbCatalogueLoad selectLbProfiles(std::string_view commaList, const std::vector<LbCatalogueEntry>& userEntries);

} // namespace ks::core
