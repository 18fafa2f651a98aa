// The key above the timeline (a QCustomPlot layout element): event markers, idle shading and the
// chosen LB profiles, wrapping onto as many rows as the width needs.
#pragma once

#include "core/lb_catalogue.h"

#include <qcustomplot.h>

#include <vector>

namespace ks::ui {

// The key above the plot: one marker and name per event type.
class TimelineLegend : public QCPLayoutElement {
    Q_OBJECT
public:
    explicit TimelineLegend(QCustomPlot* plot);
    void setProfiles(const std::vector<core::LbCatalogueEntry>& profiles);
    // Adds the key of hollow markers (events inferred from TLS record sizes) while there are any.
    void setInferredShown(bool shown) { m_inferredShown = shown; }
    bool inferredShown() const { return m_inferredShown; }

protected:
    QSize minimumOuterSizeHint() const override;
    void draw(QCPPainter* painter) override;
    void update(UpdatePhase phase) override;

private:
    int layOut(QCPPainter* painter) const; // draws when painter is set; returns the rows used

    QStringList m_profileNames;
    bool m_inferredShown = false;
};

} // namespace ks::ui
