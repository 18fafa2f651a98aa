// Type and connection filters over the event table.
#include "event_filter_proxy.h"

#include "event_store.h"
#include "event_table_model.h"

namespace ks::ui {

EventFilterProxy::EventFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    m_types.set();
    setSortRole(EventTableModel::SortRole);
}

void EventFilterProxy::setSourceModel(QAbstractItemModel* model)
{
    auto* table = qobject_cast<EventTableModel*>(model);
    m_store = table ? table->store() : nullptr;
    QSortFilterProxyModel::setSourceModel(model);
}

void EventFilterProxy::setTypeVisible(core::EventType type, bool visible)
{
    if (isTypeVisible(type) == visible)
        return;
    m_types.set(static_cast<std::size_t>(type), visible);
    invalidate(); // one layout change, not a removal per row range (millions on a big capture)
}

void EventFilterProxy::setAllTypesVisible()
{
    if (m_types.all())
        return;
    m_types.set();
    invalidate(); // one layout change, not a removal per row range (millions on a big capture)
}

void EventFilterProxy::setConnection(std::optional<std::uint32_t> conn)
{
    if (m_conn == conn)
        return;
    m_conn = conn;
    invalidate(); // one layout change, not a removal per row range (millions on a big capture)
}

int EventFilterProxy::rowForEvent(std::size_t eventIndex) const
{
    if (!sourceModel() || eventIndex >= static_cast<std::size_t>(sourceModel()->rowCount()))
        return -1;
    return mapFromSource(sourceModel()->index(static_cast<int>(eventIndex), 0)).row();
}

std::size_t EventFilterProxy::eventAt(int proxyRow) const
{
    return static_cast<std::size_t>(mapToSource(index(proxyRow, 0)).row());
}

bool EventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (sourceParent.isValid() || !m_store)
        return false;
    const EventRecord& r = m_store->record(static_cast<std::size_t>(sourceRow));
    return m_types.test(static_cast<std::size_t>(r.type)) && (!m_conn || *m_conn == r.conn);
}

bool EventFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    if (!m_store || left.column() == EventTableModel::DetailsColumn)
        return QSortFilterProxyModel::lessThan(left, right);
    const EventRecord& a = m_store->record(static_cast<std::size_t>(left.row()));
    const EventRecord& b = m_store->record(static_cast<std::size_t>(right.row()));
    const auto key = [&](const EventRecord& r) {
        switch (left.column()) {
        case EventTableModel::ConnColumn:
            return std::tuple(static_cast<std::int64_t>(r.conn), r.relNs);
        case EventTableModel::DirColumn:
            return std::tuple(static_cast<std::int64_t>(r.dir), r.relNs);
        case EventTableModel::TypeColumn:
            return std::tuple(static_cast<std::int64_t>(r.type), r.relNs);
        default:
            return std::tuple(r.relNs, std::int64_t(0));
        }
    };
    const auto ka = key(a), kb = key(b);
    return ka != kb ? ka < kb : left.row() < right.row();
}

} // namespace ks::ui
