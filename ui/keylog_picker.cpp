// A line edit, a browse button and a clear button; the path is remembered under "tlsKeyLog".
#include "keylog_picker.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QToolButton>

namespace ks::ui {

namespace {
const QString kSettingsKey = QStringLiteral("tlsKeyLog");
}

KeyLogPicker::KeyLogPicker(QWidget* parent)
    : QWidget(parent)
    , m_path(QSettings().value(kSettingsKey).toString())
    , m_edit(new QLineEdit(this))
    , m_browse(new QToolButton(this))
    , m_clear(new QToolButton(this))
{
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(4, 0, 4, 0);
    auto* label = new QLabel(tr("TLS key log"), this);
    row->addWidget(label);
    m_edit->setPlaceholderText(tr("none: PINGs in TLS are inferred"));
    m_edit->setToolTip(tr("An NSS key log (SSLKEYLOGFILE format) to decrypt TLS with; the open capture is "
                          "read again with it, and the live capture uses it. Keys in the capture itself (a pcapng "
                          "Decryption Secrets Block) are used without one."));
    m_edit->setMinimumWidth(220);
    m_edit->setText(m_path);
    label->setBuddy(m_edit);
    row->addWidget(m_edit, 1);
    m_browse->setText(QStringLiteral("\u2026"));
    m_browse->setToolTip(tr("Choose the key log"));
    row->addWidget(m_browse);
    m_clear->setText(QStringLiteral("\u2715"));
    m_clear->setToolTip(tr("No key log"));
    row->addWidget(m_clear);
    connect(m_browse, &QToolButton::clicked, this, &KeyLogPicker::browse);
    connect(m_clear, &QToolButton::clicked, this, [this] { setPath({}); });
    connect(m_edit, &QLineEdit::editingFinished, this, [this] { setPath(m_edit->text().trimmed()); });
}

void KeyLogPicker::browse()
{
    const QString start = m_path.isEmpty() ? QString() : QFileInfo(m_path).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("TLS key log"), start, tr("Key logs (*.log *.txt *.keys *.keylog);;All files (*)"));
    if (!path.isEmpty())
        setPath(path);
}

void KeyLogPicker::setPath(const QString& path)
{
    if (m_edit->text() != path)
        m_edit->setText(path);
    if (path == m_path)
        return;
    m_path = path;
    QSettings().setValue(kSettingsKey, path);
    Q_EMIT pathChanged(path);
}

} // namespace ks::ui
