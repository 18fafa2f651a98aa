// Lab controls: target (embedded server or host:port; TLS with the system roots or a CA file, the
// embedded server's certificate, self-signed or the user's, and the run's key log),
// RPC pattern and method, the simulator's profile, Start/Stop and the simulator's faults
// (blackhole, latency, reset now) as buttons.
#pragma once

#include "core/experiment.h"

#include "run_controls.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QDoubleSpinBox;
class QToolButton;

namespace ks::ui {

class LabSession;
class LabTlsFields;

class LabPanel : public QWidget, public RunControls {
    Q_OBJECT
public:
    explicit LabPanel(LabSession* session, QWidget* parent = nullptr);

    // The settings' experiment with this panel's target, pattern and simulator applied.
    core::Experiment apply(core::Experiment base) const;
    // Shows an experiment's target, pattern and simulator (a loaded file's); a simulator that is
    // no catalogue profile appears as a "custom" entry.
    void showExperiment(const core::Experiment& experiment);
    void setRunning(bool running) override;
    void setStatus(const QString& text) override;
    QPushButton* startButton() const { return m_start; }
    QPushButton* stopButton() const { return m_stop; }
    QComboBox* patternBox() const { return m_pattern; }
    QCheckBox* tlsBox() const { return m_tls; }

Q_SIGNALS:
    void startRequested();
    void stopRequested();

private:
    LabSession* m_session;
    QLineEdit* m_target;
    QCheckBox* m_tls;
    QLineEdit* m_caFile;
    QToolButton* m_browseCa;
    LabTlsFields* m_tlsFields;
    QLineEdit* m_method;
    QComboBox* m_pattern;
    QDoubleSpinBox* m_interval;
    QComboBox* m_simulator;
    QPushButton* m_start;
    QPushButton* m_stop;
    QPushButton* m_blackhole;
    QSpinBox* m_latency;
    QPushButton* m_reset;
    QLabel* m_status;
    std::optional<core::SimulatorPlan> m_customSimulator; // shown as the combo's "custom" entry
};

} // namespace ks::ui
