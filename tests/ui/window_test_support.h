// What the window tests share: a reference capture's path, and opening a capture in a window the
// way the user does (File > Open), waiting for the worker thread to finish loading it.
#pragma once

#include "test_data.h"
#include "ui/main_window.h"

#include <QSignalSpy>
#include <QString>

namespace ks::uitest {

inline QString data(const char* name)
{
    return QStringLiteral(KS_TEST_DATA_DIR "/") + QLatin1String(name);
}

// True once the capture loaded; false when it could not be read or took over 20 s.
inline bool open(ui::MainWindow& w, const QString& path)
{
    QSignalSpy loaded(&w, &ui::MainWindow::captureLoaded);
    w.openCapture(path);
    if (!loaded.wait(20000))
        return false;
    return loaded.constFirst().constFirst().toBool();
}

} // namespace ks::uitest
