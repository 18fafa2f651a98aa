// The findings panel: severity, connection and title per finding, the detail and suggestion in
// the tooltip and below the list. Activating a finding asks for its evidence on the timeline.
#pragma once

#include "core/finding.h"

#include <QWidget>

#include <functional>

class QTreeWidget;
class QLabel;
class QPushButton;

namespace ks::ui {

class FindingsView : public QWidget {
    Q_OBJECT
public:
    explicit FindingsView(QWidget* parent = nullptr);

    void setFindings(std::vector<core::Finding> findings);
    const std::vector<core::Finding>& findings() const { return m_findings; }
    void activate(int row); // as if the user clicked the row
    int rowCount() const; // rows shown in the list
    // The actions on the current finding, enabled where they apply; for tests.
    QPushButton* applyButton() const { return m_apply; }
    QPushButton* addProfileButton() const { return m_addProfile; }
    QPushButton* reproduceButton() const { return m_reproduce; }
    // Whether "Reproduce in lab" has a profile to play: the window knows the ticked ones.
    void setProfileLookup(std::function<bool(const core::Finding&)> hasProfile)
    {
        m_hasProfile = std::move(hasProfile);
    }

Q_SIGNALS:
    void evidenceRequested(const std::vector<std::uint64_t>& indexes);
    // From finding to fix: its changes into the settings editor; its inferred profile into the
    // ticked profiles; a lab run with its profile as the simulator and the current settings.
    void applyRequested(const ks::core::Finding& finding);
    void addProfileRequested(const ks::core::Finding& finding);
    void reproduceRequested(const ks::core::Finding& finding);

private:
    QTreeWidget* m_tree;
    void updateActions();
    const core::Finding* current() const;

    QLabel* m_detail;
    QPushButton* m_apply;
    QPushButton* m_addProfile;
    QPushButton* m_reproduce;
    std::function<bool(const core::Finding&)> m_hasProfile;
    int m_current = -1;
    std::vector<core::Finding> m_findings;
};

} // namespace ks::ui
