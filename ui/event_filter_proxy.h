// Filters the event table by event type and connection, and sorts without going through
// QVariant for the numeric columns (a million-row sort stays in the seconds, not minutes).
#pragma once

#include "core/event.h"

#include <QSortFilterProxyModel>

#include <bitset>
#include <cstdint>
#include <optional>

namespace ks::ui {

class EventStore;

class EventFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit EventFilterProxy(QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* model) override;

    void setTypeVisible(core::EventType type, bool visible);
    void setAllTypesVisible();
    bool isTypeVisible(core::EventType type) const { return m_types.test(static_cast<std::size_t>(type)); }
    void setConnection(std::optional<std::uint32_t> conn); // nullopt: all connections
    std::optional<std::uint32_t> connection() const { return m_conn; }

    // The proxy row showing a store index, or -1 when filtered out.
    int rowForEvent(std::size_t eventIndex) const;
    std::size_t eventAt(int proxyRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    const EventStore* m_store = nullptr;
    std::bitset<core::kEventTypeCount> m_types;
    std::optional<std::uint32_t> m_conn;
};

} // namespace ks::ui
