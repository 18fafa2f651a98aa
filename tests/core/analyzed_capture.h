// Test helper for the findings tests: a reference capture read as analyze reads it
// (tests/capture/read_capture.h), every event kept and fed to a FindingsAnalyzer, and the
// verdict: connections with their end causes, and the findings. Evidence that cites an event the
// capture does not have fails the calling test.
#pragma once

#include "capture/read_capture.h"
#include "core/findings_analyzer.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ks::test {

struct AnalyzedCapture {
    std::vector<core::Event> events;
    std::vector<core::ConnectionSummary> connections;
    std::vector<core::Finding> findings;

    const core::ConnectionSummary& conn(std::uint32_t id) const { return connections.at(id); }
    const core::Event& event(std::uint64_t index) const { return events.at(index); }
    // The findings of this kind, on conn when given.
    std::vector<core::Finding> of(const std::string& id, std::optional<std::uint32_t> conn = std::nullopt) const
    {
        std::vector<core::Finding> out;
        for (const auto& f : findings)
            if (f.id == id && (!conn || f.conn == conn))
                out.push_back(f);
        return out;
    }
    bool hasFinding(std::uint32_t conn, core::Severity atLeast) const
    {
        for (const auto& f : findings)
            if (f.conn == conn && f.severity >= atLeast)
                return true;
        return false;
    }
};

inline AnalyzedCapture analyzeCapture(
    const std::string& name, core::AnalyzerOptions options = {}, const std::string& keys = {})
{
    struct Tee final : capture::EventSink {
        std::vector<core::Event>* out = nullptr;
        core::FindingsAnalyzer* analyzer = nullptr;
        void onEvent(const core::Event& e) override
        {
            out->push_back(e);
            analyzer->onEvent(e);
        }
    };
    AnalyzedCapture r;
    core::FindingsAnalyzer analyzer(std::move(options));
    Tee sink;
    sink.out = &r.events;
    sink.analyzer = &analyzer;
    r.connections = readCapture(name, sink, keys).connections;
    r.findings = analyzer.finish(r.connections); // the non-const overload fills the end causes
    for (const auto& f : r.findings)
        for (auto idx : f.evidence)
            EXPECT_LT(idx, r.events.size()) << name << ": " << f.id << " cites a missing event";
    for (const auto& c : r.connections)
        for (auto idx : c.endEvidence)
            EXPECT_LT(idx, r.events.size()) << name << ": conn " << c.id << " cites a missing event";
    return r;
}

} // namespace ks::test
