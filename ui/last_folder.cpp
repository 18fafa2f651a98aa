// Kept in QSettings, so the next session starts there too.
#include "last_folder.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace ks::ui {

namespace {
const QString kKey = QStringLiteral("lastFolder");
}

QString lastFolder()
{
    const QString dir = QSettings().value(kKey).toString();
    return !dir.isEmpty() && QFileInfo(dir).isDir() ? dir : QDir::homePath();
}

QString inLastFolder(const QString& fileName)
{
    return QDir(lastFolder()).filePath(fileName);
}

QString rememberFolder(const QString& path)
{
    if (!path.isEmpty())
        QSettings().setValue(kKey, QFileInfo(path).absolutePath());
    return path;
}

} // namespace ks::ui
