// From finding to fix: a finding's changes into the settings editor, its inferred profile into
// the ticked ones, and a lab run that plays its load balancer with the current settings.
#include "main_window.h"

#include "findings_view.h"
#include "lab_panel.h"
#include "lb_profile_picker.h"
#include "settings_editor.h"

#include <QDockWidget>
#include <QStatusBar>

namespace ks::ui {

std::optional<core::LbCatalogueEntry> MainWindow::profileOf(const core::Finding& finding) const
{
    if (finding.inferredProfile)
        return finding.inferredProfile;
    for (const auto& e : m_profiles->selected())
        if (!finding.profile.empty() && e.profile.name == finding.profile)
            return e;
    return std::nullopt;
}

void MainWindow::createFixActions()
{
    m_findings->setProfileLookup([this](const core::Finding& f) { return profileOf(f).has_value(); });
    connect(m_findings, &FindingsView::applyRequested, this, &MainWindow::applyFinding);
    connect(m_findings, &FindingsView::addProfileRequested, this, [this](const core::Finding& f) {
        if (!f.inferredProfile)
            return;
        m_profiles->addAndTick(*f.inferredProfile);
        statusBar()->showMessage(
            tr("Ticked the inferred profile %1.").arg(QString::fromStdString(f.inferredProfile->profile.name)));
    });
    connect(m_findings, &FindingsView::reproduceRequested, this, &MainWindow::reproduceInLab);
}

void MainWindow::applyFinding(const core::Finding& finding)
{
    const QStringList errors = m_settings->applyChanges(finding.changes);
    if (!errors.isEmpty()) {
        statusBar()->showMessage(tr("Not applied: %1").arg(errors.join(u"; "_qs)));
        return;
    }
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("settingsDock"))) {
        dock->show();
        dock->raise();
    }
    statusBar()->showMessage(tr("Applied to the settings: %1.").arg(m_settings->changedFields().join(u", "_qs)));
}

void MainWindow::reproduceInLab(const core::Finding& finding)
{
    const auto entry = profileOf(finding);
    if (!entry || m_sources->running())
        return;
    core::Experiment ex = currentExperiment();
    core::SimulatorPlan plan;
    plan.profile = entry->profile.name;
    plan.idleTimeoutS = entry->profile.idleTimeoutS;
    plan.onExpiry = entry->profile.onExpiry;
    plan.tcpKeepaliveResetsIdle = entry->profile.tcpKeepaliveResetsIdle.value_or(true);
    ex.simulator = plan;
    m_lab->showExperiment(ex); // the panel shows what runs; Stop, Apply and Start run it again
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("labDock"))) {
        dock->show();
        dock->raise();
    }
    startLab();
}

} // namespace ks::ui
