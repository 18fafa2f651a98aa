// The timeline's input: the mouse (click selects, drag and wheel move the view, hover shows a
// marker's details, a hidden label's text or a lane's caption) and the keys; and the tooltips.
#include "timeline_view.h"

#include "event_format.h"
#include "event_store.h"
#include "lane_captions.h"
#include "timeline_layer.h"

#include <QToolTip>

namespace ks::ui {

void TimelineView::wheelEvent(QWheelEvent* event)
{
    m_userMoved = true;
    QCustomPlot::wheelEvent(event);
}

QString TimelineView::tooltipFor(std::size_t index) const
{
    const core::Event e = m_store->event(index);
    QString text = u"<b>" % eventTypeTitle(e.type).toHtmlEscaped() % u"</b> #" % QString::number(index) % u"<br>t = "
        % secondsText(e.relNs, m_store->decimals()) % u" s &nbsp; conn " % QString::number(e.conn) % u" &nbsp; "
        % directionText(e.dir);
    const QString details = eventDetails(e);
    if (!details.isEmpty())
        text += u"<br>" % details.toHtmlEscaped();
    if (const auto* c = m_store->connection(e.conn)) {
        text += u"<br><small>" % QString::fromStdString(c->client).toHtmlEscaped() % u" \u2192 "
            % QString::fromStdString(c->server).toHtmlEscaped();
        if (const QString tls = tlsLaneText(*c); !tls.isEmpty())
            text += u"<br>" % tls.toHtmlEscaped();
        text += u"</small>";
    }
    if (e.inferred)
        text += u"<br><i>"
            % tr("Without the TLS keys this is read from record sizes and timing: a PING is a "
                 "17-byte HTTP/2 frame, so a TLS record carrying 17 bytes, answered by a record of "
                 "the same size about a round trip later, is taken for a PING and its ACK. Choose "
                 "a key log to read it.")
                  .toHtmlEscaped()
            % u"</i>";
    return text;
}

void TimelineView::mousePressEvent(QMouseEvent* event)
{
    m_pressPos = event->pos();
    QCustomPlot::mousePressEvent(event);
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    QCustomPlot::mouseReleaseEvent(event);
    if ((event->pos() - m_pressPos).manhattanLength() > 3) {
        m_userMoved = true;
        return;
    }
    if (event->button() == Qt::LeftButton) {
        if (const auto hit = eventAt(event->position())) {
            m_selected = hit;
            layer(QStringLiteral("overlay"))->replot();
            Q_EMIT eventClicked(*hit);
        }
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    if (event->buttons() != Qt::NoButton)
        return;
    // A marker's details first; else a label's full text (shown here when it had no room), the
    // lane's caption, or nothing.
    const QPoint at = event->globalPosition().toPoint();
    if (const auto hit = eventAt(event->position()))
        QToolTip::showText(at, tooltipFor(*hit), this);
    else if (const auto label = m_layer->labelTextAt(event->position()))
        QToolTip::showText(at, label->toHtmlEscaped(), this);
    else if (const auto caption = m_captions->tooltipAt(event->position()))
        QToolTip::showText(at, *caption, this);
    else
        QToolTip::hideText();
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (!eventAt(event->position()))
        fitAll();
    QCustomPlot::mouseDoubleClickEvent(event);
}

void TimelineView::keyPressEvent(QKeyEvent* event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(0.5);
        return;
    case Qt::Key_Minus:
        zoomBy(2.0);
        return;
    case Qt::Key_Left:
        panBy(-0.2);
        return;
    case Qt::Key_Right:
        panBy(0.2);
        return;
    case Qt::Key_Up:
        yAxis->moveRange(-1);
        replot(rpQueuedReplot);
        return;
    case Qt::Key_Down:
        yAxis->moveRange(1);
        replot(rpQueuedReplot);
        return;
    case Qt::Key_Home:
    case Qt::Key_0:
        fitAll();
        return;
    default:
        QCustomPlot::keyPressEvent(event);
    }
}

} // namespace ks::ui
