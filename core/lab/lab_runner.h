// One lab run: the embedded server, the load-balancer simulator, the test channel and the wire
// tap, started in that order (the tap needs the ports) and stopped in reverse, all feeding one
// EventHub.
#pragma once

#include "core/event_hub.h"
#include "core/experiment.h"
#include "core/wire_tap.h"
#include "lb_simulator.h"
#include "test_channel.h"
#include "test_server.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ks::core::lab {

struct LabNote {
    std::int64_t tsNs = 0;
    std::string text;
};

class LabRunner {
public:
    // tap may be null: channel and RPC events only.
    LabRunner(Experiment experiment, WireTap* tap);
    ~LabRunner();
    LabRunner(const LabRunner&) = delete;
    LabRunner& operator=(const LabRunner&) = delete;

    void addListener(EventHub::Listener* listener); // before start()
    // Returns an empty string when the run started; a capture that cannot start is a warning.
    std::string start();
    void stop();

    LbSimulator* simulator() { return m_simulator.get(); } // null without a simulator
    std::int64_t originNs() const { return m_hub.originNs(); }
    bool capturing() const { return m_capturing; }
    std::string target() const { return m_target; } // what the channel connects to
    std::uint16_t serverPort() const { return m_server.port(); }
    const std::vector<std::string>& warnings() const { return m_warnings; }
    // A TLS run: the key log the channel writes (the experiment's key_log_file, or a temporary
    // file removed with the runner) and the embedded server's certificate (PEM); else empty.
    const std::string& keyLogPath() const { return m_keyLogPath; }
    const std::string& certificatePath() const { return m_certificatePath; }
    std::vector<LabNote> notes() const;
    std::vector<ConnectionSummary> connections() const;
    std::uint64_t packets() const;

private:
    std::string prepareTls(ChannelPlan& plan, std::string& certPem, std::string& keyPem);

    Experiment m_experiment;
    WireTap* m_tap;
    EventHub m_hub;
    TestServer m_server;
    std::unique_ptr<LbSimulator> m_simulator;
    std::unique_ptr<TestChannel> m_channel;
    std::string m_target;
    bool m_started = false;
    bool m_capturing = false;
    std::vector<std::string> m_warnings;
    std::string m_runDir; // temporary, for a TLS run: certificate and key log; removed in the destructor
    std::string m_keyLogPath;
    std::string m_certificatePath;
    mutable std::mutex m_notesMutex;
    std::vector<LabNote> m_notes;
};

// "host:port" or "[v6]:port"; false when the port is missing or not a number.
bool splitHostPort(const std::string& target, std::string& host, std::uint16_t& port);

} // namespace ks::core::lab
