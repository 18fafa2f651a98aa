// File > Export > Timeline image: where to, how large (layout pixels), the PNG scale or the PDF
// resolution; says the resulting size, and why it cannot be exported while it cannot.
#pragma once

#include "timeline_export.h"

#include <QDialog>

#include <functional>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace ks::ui {

class TimelineExportDialog : public QDialog {
    Q_OBJECT
public:
    // current: the on-screen timeline's size, offered as the default and by "Window size".
    TimelineExportDialog(const TimelineExportOptions& initial, QSize current, QWidget* parent = nullptr);

    TimelineExportOptions options() const;
    void setOptions(const TimelineExportOptions& options);
    QString message() const; // the size it will have, or what is wrong
    QPushButton* exportButton() const { return m_export; }
    // What the timeline will draw at given options (TimelineView::exportPlan): the message then
    // says the grown height, or which connections the pixel bound leaves out.
    void setPlanner(std::function<TimelineExportPlan(const TimelineExportOptions&)> planner);

    // The last choices, remembered across runs (path's folder via last_folder).
    static TimelineExportOptions remembered(QSize current);
    static void remember(const TimelineExportOptions& options);

private:
    void update();

    QLineEdit* m_path;
    QSpinBox* m_width;
    QSpinBox* m_height;
    QDoubleSpinBox* m_scale;
    QSpinBox* m_dpi;
    QLabel* m_message;
    QPushButton* m_export;
    std::function<TimelineExportPlan(const TimelineExportOptions&)> m_planner;
};

} // namespace ks::ui
