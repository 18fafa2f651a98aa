// The event table: one row per stored event, in store order (time order as captured).
#pragma once

#include <QAbstractTableModel>

namespace ks::ui {

class EventStore;

class EventTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // IndexColumn: the event's index, the number findings cite as evidence.
    enum Column { IndexColumn, TimeColumn, ConnColumn, DirColumn, TypeColumn, DetailsColumn, ColumnCount };
    enum Role { EventIndexRole = Qt::UserRole + 1, EventTypeRole, ConnRole, SortRole };

    explicit EventTableModel(const EventStore* store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const EventStore* store() const { return m_store; }

private:
    const EventStore* m_store;
    int m_rows = 0; // rows announced to views; the store may already hold more
};

} // namespace ks::ui
