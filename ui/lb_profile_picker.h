// The load-balancer profiles to draw against: the built-in catalogue plus the user's own files,
// several checked at once. The user's files are remembered in QSettings.
#pragma once

#include "core/lb_catalogue.h"

#include <QWidget>

class QListWidget;

namespace ks::ui {

class LbProfilePicker : public QWidget {
    Q_OBJECT
public:
    explicit LbProfilePicker(QWidget* parent = nullptr);

    std::vector<core::LbCatalogueEntry> selected() const;
    QStringList selectedNames() const;
    void setSelectedNames(const QStringList& names);
    // Loads a catalogue file (same format as resources/lb_profiles.json); returns an error or "".
    QString addProfileFile(const QString& path);
    // Adds a profile of the session (one the analyzer inferred) and ticks it; a profile of the
    // same name is replaced. Not remembered across sessions.
    void addAndTick(const core::LbCatalogueEntry& entry);

Q_SIGNALS:
    void selectionChanged();

private:
    void addEntries(const std::vector<core::LbCatalogueEntry>& entries, bool custom);

    QListWidget* m_list;
    std::vector<core::LbCatalogueEntry> m_entries;
};

} // namespace ks::ui
