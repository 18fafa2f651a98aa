// The Events tab's connection filter as a list model over the store's connections: "All
// connections", then one row per connection, its text made when shown. Replacing the list is a
// model reset, not a widget item per connection (a million of them took seconds and hundreds of MB).
#pragma once

#include <QAbstractListModel>

#include <cstdint>

namespace ks::ui {

class EventStore;

class ConnectionListModel : public QAbstractListModel {
    Q_OBJECT
public:
    explicit ConnectionListModel(const EventStore* store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    // Display: "#3  127.0.0.1:41234 → 127.0.0.1:50051"; Qt::UserRole: the connection id (none
    // on row 0, "All connections").
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

    void reload(); // the store's connections changed
    int rowOf(std::uint32_t conn) const; // -1 when the store has no such connection

private:
    const EventStore* m_store;
};

} // namespace ks::ui
