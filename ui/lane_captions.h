// The left margin of the timeline: for each lane, the connection (id, how it ended, endpoints,
// TLS or proxy hop) and, beside the axis, what each of its rows holds (PING, TCP, streams, lab).
#pragma once

#include "core/connection_summary.h"

#include <qcustomplot.h>

#include <QColor>
#include <QString>

#include <array>
#include <optional>
#include <vector>

namespace ks::ui {

class EventStore;

// How a lane's connection ended, in the words of the analyzer (core::endCauseLabel).
struct LaneEnd {
    QString label; // "idle reset", "graceful", "refused", "ended" (not judged yet), "open", "ended by Stop"
    QString detail; // the analyzer's sentence with the figures, when there is one
    QColor color;
};
// closed: a FIN or RST is on the lane; byLabStop: after the lab's own shutdown began.
LaneEnd laneEnd(const core::ConnectionSummary* connection, bool closed, bool byLabStop);

// What a lane's rows hold (timeline_style's rows): a word for the margin, a sentence on hover.
QString rowCaption(int row);
QString rowDescription(int row);

class LaneCaptions : public QCPLayerable {
    Q_OBJECT
public:
    LaneCaptions(QCustomPlot* plot, const EventStore* store);

    void setShutdownNs(std::optional<std::int64_t> ns)
    {
        m_shutdownNs = ns;
        invalidateWidths();
    }
    // The margin width that fits the lanes' texts, within [minimum, maximum]. Lanes are scored
    // once each (an estimate from per-character advances, no text shaping); the widest few are
    // measured exactly. A million lanes cost one cheap pass, not a million shapings per batch.
    int preferredWidth(int minimum, int maximum) const;
    // The lanes' texts changed (endpoints and end causes arrived, the store was cleared).
    void invalidateWidths() const;
    // The tooltip for a pixel in the margin: the lane in full, or a row's description.
    std::optional<QString> tooltipAt(QPointF pixel) const;
    // Minimum lane height (pixels) at which every row gets its caption.
    static double rowCaptionHeight(const QFont& font);
    LaneEnd endOf(std::size_t lane) const; // what the lane's caption says about its end

protected:
    void applyDefaultAntialiasingHint(QCPPainter* painter) const override;
    void draw(QCPPainter* painter) override;

private:
    QStringList laneLines(std::size_t lane) const; // without the end cause, which is drawn apart
    QFont captionFont(bool bold = false) const;
    double estimatedWidth(std::size_t lane) const;
    double measuredWidth(std::size_t lane) const;

    const EventStore* m_store;
    std::optional<std::int64_t> m_shutdownNs;
    // preferredWidth's cache: lanes [0, m_scored) scored; the widest of them by estimate.
    mutable std::size_t m_scored = 0;
    mutable std::vector<std::pair<double, std::size_t>> m_widest;
    mutable std::array<double, 128> m_advance {}; // per ASCII character, regular and bold
    mutable std::array<double, 128> m_boldAdvance {};
    mutable double m_wideAdvance = 0; // any other character
    mutable std::vector<std::pair<int, double>> m_labelWidths; // by end key
};

} // namespace ks::ui
