// The scenario library in the window: a Scenarios menu (and a list the start page can show)
// with the bundled scenarios. Choosing one loads its failing experiment into the settings editor
// and the lab panel; Run starts the lab with it, "Run with the fix" with the fixed one; the
// scenario's faults are applied at their times and the run stops after its duration.
#pragma once

#include "core/scenario.h"

#include <QObject>
#include <QString>

#include <functional>

class QListWidget;
class QMenu;
class QAction;
class QWidget;

namespace ks::ui {

class LabPanel;
class LabSession;
class SettingsEditor;

class ScenarioController : public QObject {
    Q_OBJECT
public:
    // startLab: the window's own start (it checks the settings and resets the views).
    ScenarioController(SettingsEditor* settings, LabPanel* lab, LabSession* session, std::function<void()> startLab,
        QObject* parent = nullptr);

    QMenu* createMenu(QWidget* parent);
    // One row per scenario (title, and what it teaches as the tooltip); activating a row loads it.
    QListWidget* createList(QWidget* parent);

    bool load(const QString& name); // false: no such scenario
    void run(bool fixed); // the loaded scenario, failing or fixed
    const core::Scenario* current() const { return m_current; }
    bool runningFixed() const { return m_fixed; }
    QAction* runAction() const { return m_run; }
    QAction* runFixedAction() const { return m_runFixed; }

Q_SIGNALS:
    void loaded(const QString& title, const QString& paragraph);

private:
    void showVariant(bool fixed);
    void onLabStarted(const QString& error);

    SettingsEditor* m_settings;
    LabPanel* m_lab;
    LabSession* m_session;
    std::function<void()> m_startLab;
    const core::Scenario* m_current = nullptr;
    bool m_fixed = false;
    bool m_pending = false; // a run of the scenario is starting
    int m_generation = 0; // timers of an older run do nothing
    QAction* m_run = nullptr;
    QAction* m_runFixed = nullptr;
};

} // namespace ks::ui
