// Rows are store indexes; cells are formatted on demand, so a million rows cost no strings.
#include "event_table_model.h"

#include "event_format.h"
#include "event_store.h"

#include <QFont>
#include <QFontDatabase>

namespace ks::ui {

EventTableModel::EventTableModel(const EventStore* store, QObject* parent)
    : QAbstractTableModel(parent)
    , m_store(store)
{
    m_rows = static_cast<int>(store->size());
    connect(store, &EventStore::aboutToClear, this, [this] { beginResetModel(); });
    connect(store, &EventStore::cleared, this, [this] {
        m_rows = static_cast<int>(m_store->size());
        endResetModel();
    });
    connect(store, &EventStore::appended, this, [this](std::size_t first, std::size_t last) {
        if (static_cast<int>(first) != m_rows)
            return;
        beginInsertRows({}, static_cast<int>(first), static_cast<int>(last));
        m_rows = static_cast<int>(last) + 1;
        endInsertRows();
    });
    // Endpoints arriving later change only the connection column's tooltip, which views ask for
    // when shown; no dataChanged over millions of rows.
}

int EventTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int EventTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto row = static_cast<std::size_t>(index.row());
    const EventRecord& r = m_store->record(row);
    switch (role) {
    case EventIndexRole:
        return QVariant::fromValue<qulonglong>(row);
    case EventTypeRole:
        return static_cast<int>(r.type);
    case ConnRole:
        return static_cast<uint>(r.conn);
    case SortRole:
        switch (index.column()) {
        case IndexColumn:
        case TimeColumn:
            return QVariant::fromValue<qlonglong>(r.relNs);
        case ConnColumn:
            return static_cast<uint>(r.conn);
        case DirColumn:
            return static_cast<int>(r.dir);
        case TypeColumn:
            return static_cast<int>(r.type);
        default:
            return eventDetails(m_store->event(row));
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case IndexColumn:
            return QVariant::fromValue<qulonglong>(row);
        case TimeColumn:
            return secondsText(r.relNs, m_store->decimals());
        case ConnColumn:
            return static_cast<uint>(r.conn);
        case DirColumn:
            return directionText(r.dir);
        case TypeColumn:
            return eventTypeKey(r.type);
        case DetailsColumn:
            return eventDetails(m_store->event(row));
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == ConnColumn) {
            if (const auto* c = m_store->connection(r.conn))
                return QString(QString::fromStdString(c->client) % u" \u2192 " % QString::fromStdString(c->server));
        } else if (index.column() == DetailsColumn) {
            return eventDetails(m_store->event(row));
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == IndexColumn || index.column() == TimeColumn || index.column() == ConnColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::FontRole:
        if (index.column() == TimeColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    default:
        return {};
    }
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IndexColumn:
        return tr("#");
    case TimeColumn:
        return tr("Time (s)");
    case ConnColumn:
        return tr("Conn");
    case DirColumn:
        return tr("Dir");
    case TypeColumn:
        return tr("Event");
    case DetailsColumn:
        return tr("Details");
    default:
        return {};
    }
}

} // namespace ks::ui
