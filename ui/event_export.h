// The window's events written out: CSV (one row per event, the table's columns) and JSON (the
// `analyze --json` event objects in an array). Files are written atomically.
#pragma once

#include <QString>

namespace ks::ui {

class EventStore;

// Returns an error message naming the file, or an empty string.
QString exportEventsCsv(const EventStore& store, const QString& path);
QString exportEventsJson(const EventStore& store, const QString& path);

} // namespace ks::ui
