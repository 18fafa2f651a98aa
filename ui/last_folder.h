// File dialogs start in the folder the user last chose a file in (any dialog of the window).
#pragma once

#include <QString>

namespace ks::ui {

QString lastFolder();
// fileName inside lastFolder(), as a dialog's starting selection.
QString inLastFolder(const QString& fileName);
// Remembers path's folder; returns path, so that it wraps a dialog's result. "" is ignored.
QString rememberFolder(const QString& path);

} // namespace ks::ui
