// Rows read the store's sorted connections directly; nothing is copied.
#include "connection_list_model.h"

#include "event_store.h"

#include <algorithm>

namespace ks::ui {

ConnectionListModel::ConnectionListModel(const EventStore* store, QObject* parent)
    : QAbstractListModel(parent)
    , m_store(store)
{
}

int ConnectionListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : 1 + static_cast<int>(m_store->connections().size());
}

QVariant ConnectionListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    if (index.row() == 0)
        return role == Qt::DisplayRole ? QVariant(tr("All connections")) : QVariant();
    const auto& c = m_store->connections()[static_cast<std::size_t>(index.row() - 1)];
    if (role == Qt::UserRole)
        return QVariant::fromValue(c.id);
    if (role == Qt::DisplayRole)
        return QString(u"#" % QString::number(c.id) % u"  " % QString::fromStdString(c.client) % u" \u2192 "
            % QString::fromStdString(c.server));
    return {};
}

void ConnectionListModel::reload()
{
    beginResetModel();
    endResetModel();
}

int ConnectionListModel::rowOf(std::uint32_t conn) const
{
    const auto& all = m_store->connections(); // sorted by id (EventStore::setConnections)
    const auto it
        = std::lower_bound(all.begin(), all.end(), conn, [](const auto& c, std::uint32_t id) { return c.id < id; });
    return it != all.end() && it->id == conn ? 1 + static_cast<int>(it - all.begin()) : -1;
}

} // namespace ks::ui
