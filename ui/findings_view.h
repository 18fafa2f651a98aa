// The findings panel: severity, connection and title per finding, the detail and suggestion in
// the tooltip and below the list. Activating a finding asks for its evidence on the timeline.
#pragma once

#include "core/finding.h"

#include <QWidget>

class QTreeWidget;
class QLabel;

namespace ks::ui {

class FindingsView : public QWidget {
    Q_OBJECT
public:
    explicit FindingsView(QWidget* parent = nullptr);

    void setFindings(std::vector<core::Finding> findings);
    const std::vector<core::Finding>& findings() const { return m_findings; }
    void activate(int row); // as if the user clicked the row
    int rowCount() const; // rows shown in the list

Q_SIGNALS:
    void evidenceRequested(const std::vector<std::uint64_t>& indexes);

private:
    QTreeWidget* m_tree;
    QLabel* m_detail;
    std::vector<core::Finding> m_findings;
};

} // namespace ks::ui
