// Loading and running bundled scenarios from the window.
#include "scenario_controller.h"

#include "lab_panel.h"
#include "lab_session.h"
#include "settings_editor.h"

#include <QAction>
#include <QListWidget>
#include <QMenu>
#include <QTimer>

namespace ks::ui {

ScenarioController::ScenarioController(
    SettingsEditor* settings, LabPanel* lab, LabSession* session, std::function<void()> startLab, QObject* parent)
    : QObject(parent)
    , m_settings(settings)
    , m_lab(lab)
    , m_session(session)
    , m_startLab(std::move(startLab))
{
    connect(m_session, &LabSession::started, this,
        [this](const QString& error, const QStringList&) { onLabStarted(error); });
    connect(m_session, &LabSession::stopped, this, [this] {
        ++m_generation;
        m_pending = false;
    });
}

QMenu* ScenarioController::createMenu(QWidget* parent)
{
    auto* menu = new QMenu(tr("&Scenarios"), parent);
    menu->setToolTipsVisible(true);
    m_run = menu->addAction(tr("&Run the scenario"), this, [this] { run(false); });
    m_runFixed = menu->addAction(tr("Run with the &fix"), this, [this] { run(true); });
    m_run->setEnabled(false);
    m_runFixed->setEnabled(false);
    menu->addSeparator();
    for (const auto& s : core::builtinScenarios()) {
        QAction* a = menu->addAction(
            QString::fromStdString(s.title), this, [this, name = QString::fromStdString(s.name)] { load(name); });
        a->setToolTip(QString::fromStdString(s.teaches));
        a->setData(QString::fromStdString(s.name));
    }
    return menu;
}

QListWidget* ScenarioController::createList(QWidget* parent)
{
    auto* list = new QListWidget(parent);
    for (const auto& s : core::builtinScenarios()) {
        auto* item = new QListWidgetItem(QString::fromStdString(s.title), list);
        item->setToolTip(QString::fromStdString(s.teaches));
        item->setData(Qt::UserRole, QString::fromStdString(s.name));
    }
    connect(list, &QListWidget::itemActivated, this,
        [this](QListWidgetItem* item) { load(item->data(Qt::UserRole).toString()); });
    return list;
}

bool ScenarioController::load(const QString& name)
{
    const auto* s = core::findScenario(name.toStdString());
    if (!s)
        return false;
    m_current = s;
    showVariant(false);
    if (m_run) {
        m_run->setEnabled(true);
        m_runFixed->setEnabled(true);
        m_run->setText(tr("&Run \u201c%1\u201d").arg(name));
    }
    m_lab->setStatus(tr("Scenario loaded: %1. Run shows the failure; Run with the fix shows it gone.")
                         .arg(QString::fromStdString(s->title).toHtmlEscaped()));
    Q_EMIT loaded(QString::fromStdString(s->title), QString::fromStdString(s->paragraph));
    return true;
}

void ScenarioController::showVariant(bool fixed)
{
    const core::Experiment& ex = fixed ? m_current->fixed : m_current->failing;
    m_settings->setExperiment(ex);
    m_lab->showExperiment(ex);
}

void ScenarioController::run(bool fixed)
{
    if (!m_current || m_session->running())
        return;
    m_fixed = fixed;
    showVariant(fixed);
    m_pending = true;
    m_startLab();
}

void ScenarioController::onLabStarted(const QString& error)
{
    if (!m_pending)
        return;
    m_pending = false;
    if (!error.isEmpty() || !m_current)
        return;
    const int generation = ++m_generation;
    for (const auto& f : m_current->faults)
        QTimer::singleShot(static_cast<int>(f.atS * 1000), this, [this, generation, f] {
            if (generation == m_generation)
                m_session->applyFault(f);
        });
    QTimer::singleShot(static_cast<int>(m_current->durationS * 1000), this, [this, generation] {
        if (generation == m_generation)
            m_session->stop();
    });
    m_lab->setStatus(tr("Running scenario %1 (%2) for %3 s.")
                         .arg(QString::fromStdString(m_current->name), m_fixed ? tr("with the fix") : tr("failing"))
                         .arg(m_current->durationS));
}

} // namespace ks::ui
