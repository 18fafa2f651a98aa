// Type and connection filters over the event table, and its sort off the GUI thread. Some 430
// lines: the filters and the sort share the proxy's row mapping and its generation checks; the
// sort's Qt-free comparison already lives in event_sort.cpp.
//
// Thread safety: the store is a deque the GUI thread appends to, so a worker never reads it.
// Starting a sort copies what the comparison needs (16 bytes a row: key, time, row; for the
// details column the records and the string and settings pools) in one sequential pass on the
// GUI thread; the worker sorts the copy (event_sort.h). Rows appended meanwhile stay after the
// sorted ones.
#include "event_filter_proxy.h"

#include "core/event_detail.h"
#include "event_sort.h"
#include "event_store.h"
#include "event_table_model.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ks::ui {

struct EventFilterProxy::SortResult {
    std::vector<std::uint32_t> order; // store indexes [0, order.size()) in display order
    int column = -1;
    Qt::SortOrder sortOrder = Qt::AscendingOrder;
};

EventFilterProxy::EventFilterProxy(QObject* parent)
    : QAbstractProxyModel(parent)
{
    m_types.set();
    m_resortTimer.setSingleShot(true);
    m_resortTimer.setInterval(500);
    connect(&m_resortTimer, &QTimer::timeout, this, [this] {
        // A sort still computing is not superseded by the re-sort of rows that came since: while a
        // big capture streams in, each re-sort restarted the one before and none finished until
        // the load did (a click on a header waited 70 s). applySort re-sorts what came meanwhile.
        if (m_pendingGeneration != 0)
            return;
        if (m_sortColumn >= 0 && m_order.size() != m_sourceRows)
            startSort(true);
    });
}

EventFilterProxy::~EventFilterProxy()
{
    cancelSort();
}

void EventFilterProxy::setSourceModel(QAbstractItemModel* model)
{
    beginResetModel();
    cancelSort();
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    QAbstractProxyModel::setSourceModel(model);
    auto* table = qobject_cast<EventTableModel*>(model);
    m_store = table ? table->store() : nullptr;
    m_order.clear();
    m_sourceRows = model ? static_cast<std::size_t>(model->rowCount()) : 0;
    rebuildRows();
    if (model) {
        connect(model, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
            beginResetModel();
            cancelSort();
        });
        connect(model, &QAbstractItemModel::modelReset, this, [this] {
            m_order.clear();
            m_sourceRows = static_cast<std::size_t>(sourceModel()->rowCount());
            rebuildRows();
            endResetModel();
            if (m_sortColumn >= 0 && m_sourceRows > 0)
                startSort(true);
        });
        connect(model, &QAbstractItemModel::rowsInserted, this, &EventFilterProxy::onRowsInserted);
        connect(model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex&, const QModelIndex&) {
            if (!m_rows.empty())
                Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        });
        connect(model, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
    }
    endResetModel();
}

bool EventFilterProxy::accepts(std::size_t storeIndex) const
{
    if (!m_store)
        return true;
    const EventRecord& r = m_store->record(storeIndex);
    return m_types.test(static_cast<std::size_t>(r.type)) && (!m_conn || *m_conn == r.conn);
}

void EventFilterProxy::rebuildRows()
{
    m_rows.clear();
    const bool all = m_types.all() && !m_conn;
    m_rows.reserve(all ? m_sourceRows : 0);
    const auto add = [&](std::uint32_t i) {
        if (all || accepts(i))
            m_rows.push_back(i);
    };
    for (const std::uint32_t i : m_order)
        add(i);
    for (std::size_t i = m_order.size(); i < m_sourceRows; ++i)
        add(static_cast<std::uint32_t>(i));
    m_rows.shrink_to_fit();
    m_rowsAscending = m_order.empty();
}

void EventFilterProxy::relayout()
{
    // Persistent indexes are few (selection, current row): note their events, rebuild, find
    // them again in one pass. Views make theirs in layoutAboutToBeChanged, so ask after it.
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList persistent = persistentIndexList();
    std::vector<std::uint32_t> events;
    events.reserve(static_cast<std::size_t>(persistent.size()));
    for (const QModelIndex& i : persistent)
        events.push_back(m_rows[static_cast<std::size_t>(i.row())]);
    rebuildRows();
    if (!persistent.isEmpty()) {
        std::unordered_map<std::uint32_t, int> newRow;
        for (std::uint32_t e : events)
            newRow.emplace(e, -1);
        for (std::size_t r = 0; r < m_rows.size(); ++r) {
            if (const auto it = newRow.find(m_rows[r]); it != newRow.end())
                it->second = static_cast<int>(r);
        }
        QModelIndexList to;
        to.reserve(persistent.size());
        for (qsizetype k = 0; k < persistent.size(); ++k) {
            const int row = newRow[events[static_cast<std::size_t>(k)]];
            to.push_back(row < 0 ? QModelIndex() : index(row, persistent[k].column()));
        }
        changePersistentIndexList(persistent, to);
    }
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void EventFilterProxy::setTypeVisible(core::EventType type, bool visible)
{
    if (isTypeVisible(type) == visible)
        return;
    m_types.set(static_cast<std::size_t>(type), visible);
    relayout(); // one layout change, not a removal per row range (millions on a big capture)
}

void EventFilterProxy::setAllTypesVisible()
{
    if (m_types.all())
        return;
    m_types.set();
    relayout();
}

void EventFilterProxy::setConnection(std::optional<std::uint32_t> conn)
{
    if (m_conn == conn)
        return;
    m_conn = conn;
    relayout();
}

void EventFilterProxy::onRowsInserted(const QModelIndex& parent, int first, int last)
{
    if (parent.isValid())
        return;
    if (static_cast<std::size_t>(first) != m_sourceRows) {
        // Not an append (the table model only appends): start over.
        beginResetModel();
        m_order.clear();
        m_sourceRows = static_cast<std::size_t>(sourceModel()->rowCount());
        rebuildRows();
        endResetModel();
        return;
    }
    std::vector<std::uint32_t> added;
    for (int i = first; i <= last; ++i) {
        if (accepts(static_cast<std::size_t>(i)))
            added.push_back(static_cast<std::uint32_t>(i));
    }
    if (!added.empty()) {
        const int at = static_cast<int>(m_rows.size());
        beginInsertRows({}, at, at + static_cast<int>(added.size()) - 1);
        m_sourceRows = static_cast<std::size_t>(last) + 1;
        m_rows.insert(m_rows.end(), added.begin(), added.end());
        endInsertRows();
    } else {
        m_sourceRows = static_cast<std::size_t>(last) + 1;
    }
    // While sorted, appended rows sit at the end until a re-sort places them; coalesced, so a
    // stream of batches costs one background sort per interval.
    if (m_sortColumn >= 0 && !m_resortTimer.isActive())
        m_resortTimer.start();
}

void EventFilterProxy::cancelSort()
{
    if (m_cancel)
        m_cancel->store(true);
    m_cancel.reset();
    m_pendingGeneration = 0;
    m_resortTimer.stop();
}

void EventFilterProxy::sort(int column, Qt::SortOrder order)
{
    // QTableView::sortByColumn asks twice (header indicator, then directly): one sort will do.
    if (column >= 0 && m_pendingGeneration != 0 && column == m_sortColumn && order == m_sortOrder)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    if (column < 0 || !m_store || m_sourceRows == 0) { // nothing to wait for; rows arriving later are re-sorted
        cancelSort();
        if (!m_order.empty()) {
            m_order.clear();
            relayout();
        }
        Q_EMIT sortFinished(column, order);
        return;
    }
    startSort(false);
}

struct EventFilterProxy::SortJob {
    std::uint64_t generation = 0;
    int column = -1;
    Qt::SortOrder order = Qt::AscendingOrder;
    std::size_t rows = 0; // the store's size when the sort started: those rows never change
    std::size_t next = 0; // keys copied so far
    std::shared_ptr<std::atomic<bool>> cancel;
    std::vector<NumericSortKey> keys; // numeric columns
    // Details column: copies of the records, one chunk per slice, formatted on the worker, which
    // frees each chunk once its rows are text (the copies and the text are never all held).
    std::vector<std::vector<EventRecord>> recordChunks;
    std::vector<std::string> strings;
    std::vector<SettingsEntry> settings;
    std::int64_t originNs = 0;
};

void EventFilterProxy::startSort(bool resort)
{
    if (m_cancel)
        m_cancel->store(true); // supersedes a sort still computing
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    auto job = std::make_shared<SortJob>();
    job->generation = ++m_generation;
    m_pendingGeneration = job->generation;
    job->column = m_sortColumn;
    job->order = m_sortOrder;
    job->rows = m_sourceRows;
    job->cancel = m_cancel;
    // Reserved, not sized: the pages are touched slice by slice (faulting in 57 MB at once for
    // 3.5M rows held the click for 150 ms).
    if (job->column != EventTableModel::DetailsColumn)
        job->keys.reserve(job->rows);
    if (!resort)
        Q_EMIT sortStarted(job->column, job->order, static_cast<qsizetype>(job->rows));
    copySlice(job);
}

void EventFilterProxy::copySlice(const std::shared_ptr<SortJob>& job)
{
    if (job->generation != m_pendingGeneration)
        return; // superseded or reset: the store may have been cleared since
    // The GUI thread's part: copying what the comparison needs (the store is not thread-safe), in
    // slices of a few ms so that neither a click nor a re-sort holds the event loop.
    constexpr std::size_t kSlice = 1 << 17;
    const std::size_t end = std::min(job->rows, job->next + kSlice);
    if (job->column == EventTableModel::DetailsColumn) {
        auto& chunk = job->recordChunks.emplace_back();
        chunk.reserve(end - job->next);
        for (std::size_t i = job->next; i < end; ++i)
            chunk.push_back(m_store->record(i));
    } else {
        for (std::size_t i = job->next; i < end; ++i) {
            const EventRecord& r = m_store->record(i);
            std::uint32_t primary = 0;
            switch (job->column) {
            case EventTableModel::ConnColumn:
                primary = r.conn;
                break;
            case EventTableModel::DirColumn:
                primary = static_cast<std::uint32_t>(r.dir);
                break;
            case EventTableModel::TypeColumn:
                primary = static_cast<std::uint32_t>(r.type);
                break;
            default:
                break;
            }
            job->keys.push_back(NumericSortKey { r.relNs, primary, static_cast<std::uint32_t>(i) });
        }
    }
    job->next = end;
    if (job->next < job->rows) {
        QTimer::singleShot(0, this, [this, job] { copySlice(job); });
        return;
    }
    if (job->column == EventTableModel::DetailsColumn) {
        // Records below job->rows only name strings and settings that exist by now.
        job->strings = m_store->strings();
        job->settings = m_store->settings();
        job->originNs = m_store->originNs();
    }
    runSort(job);
}

void EventFilterProxy::runSort(const std::shared_ptr<SortJob>& job)
{
    auto future = QtConcurrent::run([job]() {
        auto result = std::make_shared<SortResult>();
        result->column = job->column;
        result->sortOrder = job->order;
        const auto& cancel = *job->cancel;
        const bool descending = job->order == Qt::DescendingOrder;
        if (job->column != EventTableModel::DetailsColumn) {
            result->order = sortNumericKeys(job->keys, descending, cancel);
            return result;
        }
        TextSortKeys keys;
        keys.reserve(job->rows);
        std::string text;
        std::size_t i = 0;
        for (auto& chunk : job->recordChunks) {
            if (cancel.load())
                return result;
            for (const EventRecord& record : chunk) {
                text.clear();
                core::appendEventDetail(
                    text, EventStore::makeEvent(record, i, job->originNs, job->strings, job->settings));
                keys.add(text, static_cast<std::uint32_t>(i));
                ++i;
            }
            std::vector<EventRecord>().swap(chunk);
        }
        result->order = keys.sortedRows(descending, cancel);
        return result;
    });
    auto* watcher = new QFutureWatcher<std::shared_ptr<SortResult>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation = job->generation] {
        watcher->deleteLater();
        applySort(generation, watcher->result());
    });
    watcher->setFuture(future);
}

void EventFilterProxy::applySort(std::uint64_t generation, std::shared_ptr<SortResult> result)
{
    if (generation != m_pendingGeneration || !result)
        return; // superseded (a later click, a reset)
    m_pendingGeneration = 0;
    m_cancel.reset();
    if (result->order.size() > m_sourceRows)
        return; // cannot happen: the store only shrinks by a reset, which cancels
    m_order = std::move(result->order);
    relayout();
    Q_EMIT sortFinished(result->column, result->sortOrder);
    // Rows that arrived while computing: place them too.
    if (m_order.size() != m_sourceRows && !m_resortTimer.isActive())
        m_resortTimer.start();
}

int EventFilterProxy::rowForEvent(std::size_t eventIndex) const
{
    if (eventIndex >= m_sourceRows)
        return -1;
    const auto e = static_cast<std::uint32_t>(eventIndex);
    if (m_rowsAscending) {
        const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), e);
        return it != m_rows.end() && *it == e ? static_cast<int>(it - m_rows.begin()) : -1;
    }
    const auto it = std::find(m_rows.begin(), m_rows.end(), e);
    return it != m_rows.end() ? static_cast<int>(it - m_rows.begin()) : -1;
}

std::size_t EventFilterProxy::eventAt(int proxyRow) const
{
    return m_rows[static_cast<std::size_t>(proxyRow)];
}

QModelIndex EventFilterProxy::mapToSource(const QModelIndex& proxyIndex) const
{
    if (!proxyIndex.isValid() || !sourceModel() || proxyIndex.row() >= rowCount())
        return {};
    return sourceModel()->index(
        static_cast<int>(m_rows[static_cast<std::size_t>(proxyIndex.row())]), proxyIndex.column());
}

QModelIndex EventFilterProxy::mapFromSource(const QModelIndex& sourceIndex) const
{
    if (!sourceIndex.isValid() || sourceIndex.model() != sourceModel())
        return {};
    const int row = rowForEvent(static_cast<std::size_t>(sourceIndex.row()));
    return row < 0 ? QModelIndex() : index(row, sourceIndex.column());
}

QModelIndex EventFilterProxy::index(int row, int column, const QModelIndex& parent) const
{
    if (parent.isValid() || row < 0 || column < 0 || row >= rowCount() || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex EventFilterProxy::parent(const QModelIndex&) const
{
    return {};
}

QModelIndex EventFilterProxy::sibling(int row, int column, const QModelIndex&) const
{
    return index(row, column);
}

int EventFilterProxy::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EventFilterProxy::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || !sourceModel() ? 0 : sourceModel()->columnCount();
}

bool EventFilterProxy::hasChildren(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_rows.empty();
}

} // namespace ks::ui
