// Checkable list; each item's tooltip says what the profile does on expiry and where it is documented.
#include "lb_profile_picker.h"
#include "last_folder.h"

#include "core/finding.h"

#include <QFileDialog>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace ks::ui {

LbProfilePicker::LbProfilePicker(QWidget* parent)
    : QWidget(parent)
    , m_list(new QListWidget(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // Long names wrap to the panel's width rather than hide behind a horizontal scroll bar.
    m_list->setWordWrap(true);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setResizeMode(QListView::Adjust);
    layout->addWidget(m_list);
    auto* add = new QPushButton(tr("Add profiles from file\u2026"), this);
    add->setToolTip(tr("A JSON file in the format of resources/lb_profiles.json"));
    layout->addWidget(add);
    connect(add, &QPushButton::clicked, this, [this] {
        const QString path = rememberFolder(
            QFileDialog::getOpenFileName(this, tr("Load-balancer profiles"), lastFolder(), tr("JSON (*.json)")));
        if (path.isEmpty())
            return;
        const QString error = addProfileFile(path);
        if (!error.isEmpty())
            QMessageBox::warning(this, tr("Load-balancer profiles"), error);
    });
    addEntries(core::builtinLbCatalogue(), false);
    const QStringList files = QSettings().value(QStringLiteral("lbProfileFiles")).toStringList();
    for (const QString& f : files)
        addProfileFile(f);
    connect(m_list, &QListWidget::itemChanged, this, &LbProfilePicker::selectionChanged);
}

void LbProfilePicker::addEntries(const std::vector<core::LbCatalogueEntry>& entries, bool custom)
{
    QSignalBlocker block(m_list);
    for (const auto& e : entries) {
        const auto& p = e.profile;
        auto* item = new QListWidgetItem(QString::fromStdString(p.title.empty() ? p.name : p.title) % u"  ("
            % QString::fromStdString(core::formatDuration(p.idleTimeoutS)) % u')'
            % (custom ? tr(" [custom]") : QString()));
        QString tip = u"<b>" % QString::fromStdString(p.name).toHtmlEscaped() % u"</b><br>" % tr("idle timeout: ")
            % QString::fromStdString(core::formatDuration(p.idleTimeoutS)) % u"<br>" % tr("on expiry: ")
            % QString::fromLatin1(core::lbExpiryActionName(p.onExpiry).data());
        if (p.tcpKeepaliveResetsIdle)
            tip += u"<br>"
                % (*p.tcpKeepaliveResetsIdle ? tr("TCP keep-alive resets the idle timer")
                                             : tr("TCP keep-alive does not reset the idle timer"));
        if (e.http2PingResetsIdle && !*e.http2PingResetsIdle)
            tip += u"<br>" % tr("HTTP/2 PINGs do not reset the idle timer");
        if (!p.notes.empty())
            tip += u"<br>" % QString::fromStdString(p.notes).toHtmlEscaped();
        if (!p.source.empty())
            tip += u"<br><i>" % QString::fromStdString(p.source).toHtmlEscaped() % u"</i>";
        item->setToolTip(tip);
        item->setData(Qt::UserRole, QString::fromStdString(p.name));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
        m_list->addItem(item);
        m_entries.push_back(e);
    }
}

QString LbProfilePicker::addProfileFile(const QString& path)
{
    auto load = core::loadLbCatalogueFile(path.toStdString());
    if (!load.errors.empty())
        return QString::fromStdString(load.errors.front());
    addEntries(load.entries, true);
    QSettings settings;
    QStringList files = settings.value(QStringLiteral("lbProfileFiles")).toStringList();
    if (!files.contains(path)) {
        files << path;
        settings.setValue(QStringLiteral("lbProfileFiles"), files);
    }
    return {};
}

void LbProfilePicker::addAndTick(const core::LbCatalogueEntry& entry)
{
    const QString name = QString::fromStdString(entry.profile.name);
    QStringList ticked = selectedNames();
    for (int i = m_list->count() - 1; i >= 0; --i) {
        if (m_list->item(i)->data(Qt::UserRole).toString() == name) {
            QSignalBlocker block(m_list);
            delete m_list->takeItem(i);
            m_entries.erase(m_entries.begin() + i);
        }
    }
    addEntries({ entry }, true);
    if (!ticked.contains(name))
        ticked << name;
    setSelectedNames(ticked);
}

std::vector<core::LbCatalogueEntry> LbProfilePicker::selected() const
{
    std::vector<core::LbCatalogueEntry> out;
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->checkState() == Qt::Checked)
            out.push_back(m_entries[static_cast<std::size_t>(i)]);
    }
    return out;
}

QStringList LbProfilePicker::selectedNames() const
{
    QStringList out;
    for (const auto& e : selected())
        out << QString::fromStdString(e.profile.name);
    return out;
}

void LbProfilePicker::setSelectedNames(const QStringList& names)
{
    {
        QSignalBlocker block(m_list);
        for (int i = 0; i < m_list->count(); ++i)
            m_list->item(i)->setCheckState(
                names.contains(m_list->item(i)->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
    }
    Q_EMIT selectionChanged();
}

} // namespace ks::ui
