// Drawn outside the axis rect, in the margin the view reserves for it; texts are elided to fit,
// and only as many lines as the lane's height holds are drawn (the tooltip has them all).
#include "lane_captions.h"

#include "event_format.h"
#include "event_store.h"
#include "timeline_style.h"

#include <QFontMetricsF>

#include <algorithm>
#include <array>
#include <string>

namespace ks::ui {

using core::EndCause;

LaneEnd laneEnd(const core::ConnectionSummary* c, bool closed, bool byLabStop)
{
    const QColor grey(0x80, 0x80, 0x80);
    if (byLabStop)
        return { QObject::tr("ended by Stop"),
            QObject::tr("the lab's own shutdown after Stop closed it; not diagnosed"), grey };
    if (c && c->endCause != EndCause::Open) {
        QColor color(0xe6, 0x55, 0x0d); // a warning
        switch (c->endCause) {
        case EndCause::Graceful:
            color = QColor(0x2c, 0xa0, 0x2c);
            break;
        case EndCause::TooManyPings:
        case EndCause::GoawayError:
        case EndCause::KeepaliveTimeout:
        case EndCause::IdleReset:
        case EndCause::SilentDrop:
        case EndCause::Reset:
            color = QColor(0xd6, 0x27, 0x28); // an error: the connection was killed
            break;
        default:
            break;
        }
        // A SYN answered by RST: `analyze` says "reset: refused: ...", the lane its first word.
        const bool refused = c->endCause == EndCause::Reset && core::refusedAtSyn(*c);
        return { refused ? QObject::tr("refused")
                         : QString::fromUtf8(
                             core::endCauseLabel(*c).data(), static_cast<qsizetype>(core::endCauseLabel(*c).size())),
            QString::fromStdString(c->endDetail.str()), color };
    }
    // A FIN or RST seen, not judged yet (the analysis follows within a second while a source
    // runs): "ended" claims nothing about how; "closed" would be false for a refused SYN.
    if (closed)
        return { QObject::tr("ended"), QObject::tr("a FIN or RST is on the lane; how it ended is not judged yet"),
            grey };
    if (c && !c->endDetail.empty()) // the analyzer's words: the capture's end, or where a read stopped
        return { QObject::tr("open"), QString::fromStdString(c->endDetail.str()), grey };
    return { QObject::tr("open"), QObject::tr("still open when the capture ended"), grey };
}

QString rowCaption(int row)
{
    static const std::array words { QObject::tr("PING"), QObject::tr("TCP"), QObject::tr("streams"),
        QObject::tr("lab") };
    return words[static_cast<std::size_t>(std::clamp(row, 0, 3))];
}

QString rowDescription(int row)
{
    static const std::array words { QObject::tr("HTTP/2 keepalive: PING, PING ACK, GOAWAY"),
        QObject::tr("TCP: SYN, FIN, RST, keep-alive probes and their ACKs"),
        QObject::tr("HTTP/2 activity: HEADERS, DATA, SETTINGS, WINDOW_UPDATE, RST_STREAM"),
        QObject::tr("lab: the channel's RPCs and connectivity states") };
    return words[static_cast<std::size_t>(std::clamp(row, 0, 3))];
}

LaneCaptions::LaneCaptions(QCustomPlot* plot, const EventStore* store)
    : QCPLayerable(plot)
    , m_store(store)
{
}

QFont LaneCaptions::captionFont(bool bold) const
{
    return QFont(mParentPlot->font().family(), 7, bold ? QFont::Bold : QFont::Normal);
}

double LaneCaptions::rowCaptionHeight(const QFont& font)
{
    // Rows are 0.225 of a lane apart (rowCenter): each caption needs a line of its own (the
    // font's leading may be shared).
    return QFontMetricsF(font).height() * 0.9 / 0.225;
}

void LaneCaptions::applyDefaultAntialiasingHint(QCPPainter* painter) const
{
    painter->setAntialiasing(true);
}

LaneEnd LaneCaptions::endOf(std::size_t lane) const
{
    const auto& l = m_store->lane(lane);
    return laneEnd(
        m_store->connection(l.conn()), l.closed(), m_shutdownNs && l.closed() && l.lastNs() >= *m_shutdownNs);
}

QStringList LaneCaptions::laneLines(std::size_t lane) const
{
    QStringList lines;
    if (const auto* c = m_store->connection(m_store->lane(lane).conn())) {
        lines << QString::fromStdString(c->client) << u"\u2192 " % QString::fromStdString(c->server);
        if (const QString tls = tlsLaneText(*c); !tls.isEmpty())
            lines << tls;
        if (!c->rare().proxy.empty())
            lines << u"via " % QString::fromStdString(c->rare().proxy.str());
    }
    return lines;
}

void LaneCaptions::invalidateWidths() const
{
    m_scored = 0;
    m_widest.clear();
    m_labelWidths.clear();
}

double LaneCaptions::measuredWidth(std::size_t i) const
{
    const QFontMetricsF fm(captionFont()), bold(captionFont(true));
    double text = bold.horizontalAdvance(u"#" % QString::number(m_store->lane(i).conn()) % u"  " % endOf(i).label);
    for (const QString& line : laneLines(i))
        text = std::max(text, fm.horizontalAdvance(line));
    return text;
}

double LaneCaptions::estimatedWidth(std::size_t i) const
{
    const auto advance = [this](std::string_view text, const std::array<double, 128>& table) {
        double w = 0;
        for (const char ch : text) {
            const auto c = static_cast<unsigned char>(ch);
            w += c < 128 ? table[c] : ((c & 0xc0) != 0x80 ? m_wideAdvance : 0.0);
        }
        return w;
    };
    const auto& l = m_store->lane(i);
    const auto* c = m_store->connection(l.conn());
    // The end label by what decides it (laneEnd), measured once per kind.
    const bool byStop = m_shutdownNs && l.closed() && l.lastNs() >= *m_shutdownNs;
    const int key = byStop ? -1
        : c && c->endCause != core::EndCause::Open
        ? (c->endCause == core::EndCause::Reset && core::refusedAtSyn(*c) ? -2
                : c->rare().goawayByH2Proxy                               ? 100 + static_cast<int>(c->endCause)
                                                                          : 10 + static_cast<int>(c->endCause))
        : l.closed() ? -3
                     : -4;
    auto it = std::find_if(m_labelWidths.begin(), m_labelWidths.end(), [key](const auto& p) { return p.first == key; });
    if (it == m_labelWidths.end()) {
        m_labelWidths.emplace_back(key, QFontMetricsF(captionFont(true)).horizontalAdvance(endOf(i).label));
        it = m_labelWidths.end() - 1;
    }
    double w
        = advance(std::to_string(l.conn()), m_boldAdvance) + m_boldAdvance['#'] + 2 * m_boldAdvance[' '] + it->second;
    if (c) {
        w = std::max(w, advance(c->client, m_advance));
        w = std::max(w, advance(c->server, m_advance) + 2 * m_wideAdvance);
        if (c->tls)
            w = std::max(w, advance(tlsLaneText(*c).toStdString(), m_advance));
        if (!c->rare().proxy.empty())
            w = std::max(w, advance(c->rare().proxy.str(), m_advance) + 4 * m_advance['v']);
    }
    return w;
}

int LaneCaptions::preferredWidth(int minimum, int maximum) const
{
    constexpr std::size_t kMeasured = 16;
    const std::size_t lanes = m_store->laneCount();
    if (lanes < m_scored)
        invalidateWidths();
    if (m_scored == 0) {
        const QFontMetricsF fm(captionFont()), bold(captionFont(true));
        for (int ch = 0; ch < 128; ++ch) {
            m_advance[static_cast<std::size_t>(ch)] = fm.horizontalAdvance(QChar(ch));
            m_boldAdvance[static_cast<std::size_t>(ch)] = bold.horizontalAdvance(QChar(ch));
        }
        m_wideAdvance = fm.maxWidth();
    }
    for (; m_scored < lanes; ++m_scored) {
        const double w = estimatedWidth(m_scored);
        if (m_widest.size() < kMeasured || w > m_widest.back().first) {
            if (m_widest.size() == kMeasured)
                m_widest.pop_back();
            m_widest.insert(std::upper_bound(m_widest.begin(), m_widest.end(), w,
                                [](double v, const auto& p) { return v > p.first; }),
                { w, m_scored });
        }
    }
    double text = 0;
    for (const auto& [estimate, lane] : m_widest)
        text = std::max(text, measuredWidth(lane));
    const QFontMetricsF fm(captionFont());
    double captions = 0;
    for (int r = 0; r < kLaneRows; ++r)
        captions = std::max(captions, fm.horizontalAdvance(rowCaption(r)));
    return std::clamp(static_cast<int>(text + captions + 18), minimum, maximum);
}

void LaneCaptions::draw(QCPPainter* painter)
{
    const QRect axis = mParentPlot->axisRect()->rect();
    const QPalette pal = mParentPlot->palette();
    const QFont font = captionFont(), boldFont = captionFont(true);
    const QFontMetricsF fm(font), bold(boldFont);
    const double line = fm.height();
    double captionWidth = 0;
    for (int r = 0; r < kLaneRows; ++r)
        captionWidth = std::max(captionWidth, fm.horizontalAdvance(rowCaption(r)));
    const double right = axis.left() - 4, left = 3;
    const auto y = mParentPlot->yAxis->range();
    const int first = std::max(0, static_cast<int>(std::floor(y.lower)));
    const int last = std::min(static_cast<int>(m_store->laneCount()) - 1, static_cast<int>(std::ceil(y.upper)) - 1);
    painter->save();
    painter->setClipRect(QRectF(0, axis.top(), right + 2, axis.height()));
    for (int lane = first; lane <= last; ++lane) {
        const double top = mParentPlot->yAxis->coordToPixel(lane), bottom = mParentPlot->yAxis->coordToPixel(lane + 1);
        const bool rows = bottom - top >= rowCaptionHeight(font);
        const double textRight = rows ? right - captionWidth - 6 : right;
        const auto& l = m_store->lane(static_cast<std::size_t>(lane));
        if (rows) { // what each row holds, beside the axis at the row's height
            painter->setFont(font);
            painter->setPen(shade(pal.color(QPalette::Text), pal, 0.55));
            const bool lab = !l.times(core::EventType::Rpc).empty() || !l.times(core::EventType::ChannelState).empty();
            for (int r = 0; r < (lab ? 4 : 3); ++r) {
                const double ry = mParentPlot->yAxis->coordToPixel(lane + rowCenter(r));
                painter->drawText(QRectF(right - captionWidth, ry - line / 2, captionWidth, line),
                    Qt::AlignRight | Qt::AlignVCenter, rowCaption(r));
            }
        }
        // The connection: "#id  how it ended", then its endpoints, as many lines as fit.
        const double width = textRight - left;
        double ty = top + 2;
        const LaneEnd end = endOf(static_cast<std::size_t>(lane));
        const QString id = u"#" % QString::number(l.conn()) % u"  ";
        painter->setFont(boldFont);
        painter->setPen(pal.color(QPalette::Text));
        painter->drawText(QPointF(left, ty + bold.ascent()), id);
        painter->setPen(end.color);
        painter->drawText(QPointF(left + bold.horizontalAdvance(id), ty + bold.ascent()),
            bold.elidedText(end.label, Qt::ElideRight, width - bold.horizontalAdvance(id)));
        ty += bold.height();
        painter->setFont(font);
        painter->setPen(pal.color(QPalette::Text));
        for (const QString& text : laneLines(static_cast<std::size_t>(lane))) {
            if (ty + line > bottom - 1)
                break;
            painter->drawText(QPointF(left, ty + fm.ascent()), fm.elidedText(text, Qt::ElideMiddle, width));
            ty += line;
        }
    }
    painter->restore();
}

std::optional<QString> LaneCaptions::tooltipAt(QPointF pixel) const
{
    const QRect axis = mParentPlot->axisRect()->rect();
    if (pixel.x() >= axis.left() || pixel.y() < axis.top() || pixel.y() > axis.bottom())
        return std::nullopt;
    const int lane = static_cast<int>(std::floor(mParentPlot->yAxis->pixelToCoord(pixel.y())));
    if (lane < 0 || static_cast<std::size_t>(lane) >= m_store->laneCount())
        return std::nullopt;
    const LaneEnd end = endOf(static_cast<std::size_t>(lane));
    QString text = u"<b>#" % QString::number(m_store->lane(static_cast<std::size_t>(lane)).conn()) % u"</b> "
        % QObject::tr("ended: %1").arg(end.label.toHtmlEscaped());
    if (!end.detail.isEmpty())
        text += u"<br>" % end.detail.toHtmlEscaped();
    for (const QString& line : laneLines(static_cast<std::size_t>(lane)))
        text += u"<br>" % line.toHtmlEscaped();
    text += u"<br><small>" % QObject::tr("Rows, top to bottom:");
    for (int r = 0; r < kLaneRows; ++r)
        text += u"<br>" % rowDescription(r).toHtmlEscaped();
    return text % u"</small>";
}

} // namespace ks::ui
