// Filters the event table by event type and connection, and sorts it without blocking the GUI:
// a header click copies the sort keys (one sequential pass), a worker sorts them, and the
// finished row permutation is applied in O(n) with one layout change. Rows are store indexes,
// kept in display order in one vector, so a filter change is one pass over it as well.
#pragma once

#include "core/event.h"

#include <QAbstractProxyModel>
#include <QTimer>

#include <atomic>
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ks::ui {

class EventStore;

class EventFilterProxy : public QAbstractProxyModel {
    Q_OBJECT
public:
    explicit EventFilterProxy(QObject* parent = nullptr);
    ~EventFilterProxy() override;

    void setSourceModel(QAbstractItemModel* model) override;

    void setTypeVisible(core::EventType type, bool visible);
    void setAllTypesVisible();
    bool isTypeVisible(core::EventType type) const { return m_types.test(static_cast<std::size_t>(type)); }
    void setConnection(std::optional<std::uint32_t> conn); // nullopt: all connections
    std::optional<std::uint32_t> connection() const { return m_conn; }

    // The proxy row showing a store index, or -1 when filtered out.
    int rowForEvent(std::size_t eventIndex) const;
    std::size_t eventAt(int proxyRow) const;

    // Asynchronous for a column >= 0: returns at once, sortFinished() follows when the new order
    // is shown. A later call supersedes one still computing. Column -1: capture order, at once.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    bool isSorting() const { return m_pendingGeneration != 0; }
    // Rows appended while sorted show at the end until the coalesced background re-sort lands.
    void setResortDelay(int ms) { m_resortTimer.setInterval(ms); }

    QModelIndex mapToSource(const QModelIndex& proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex& sourceIndex) const override;
    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    QModelIndex sibling(int row, int column, const QModelIndex& idx) const override;

Q_SIGNALS:
    void sortStarted(int column, Qt::SortOrder order, qsizetype rows);
    void sortFinished(int column, Qt::SortOrder order);

private:
    struct SortResult;
    struct SortJob;
    bool accepts(std::size_t storeIndex) const;
    void startSort(bool resort);
    void copySlice(const std::shared_ptr<SortJob>& job); // a slice of keys per event-loop turn
    void runSort(const std::shared_ptr<SortJob>& job);
    void applySort(std::uint64_t generation, std::shared_ptr<SortResult> result);
    void cancelSort();
    // Rebuilds m_rows from the display order and the filters, as one layout change that keeps
    // persistent indexes (selection, current row) on their events.
    void relayout();
    void rebuildRows();
    void onRowsInserted(const QModelIndex& parent, int first, int last);

    const EventStore* m_store = nullptr;
    std::bitset<core::kEventTypeCount> m_types;
    std::optional<std::uint32_t> m_conn;

    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    std::vector<std::uint32_t> m_order; // sorted store indexes [0, m_order.size()); empty: capture order
    std::vector<std::uint32_t> m_rows; // visible store indexes in display order
    std::size_t m_sourceRows = 0; // store rows the proxy knows of
    bool m_rowsAscending = true; // m_rows increasing: rowForEvent can binary-search

    std::uint64_t m_generation = 0;
    std::uint64_t m_pendingGeneration = 0; // 0: no sort computing
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QTimer m_resortTimer; // coalesces re-sorts while rows stream in
};

} // namespace ks::ui
