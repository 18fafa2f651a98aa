// Three file fields; the lab runner reads and writes the files.
#include "lab_tls_fields.h"

#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

namespace ks::ui {

namespace {

QHBoxLayout* fileRow(QLineEdit* edit, QToolButton* browse)
{
    browse->setText(QStringLiteral("\u2026"));
    auto* row = new QHBoxLayout;
    row->addWidget(edit, 1);
    row->addWidget(browse);
    return row;
}

} // namespace

LabTlsFields::LabTlsFields(QWidget* parent)
    : QWidget(parent)
    , m_cert(new QLineEdit(this))
    , m_key(new QLineEdit(this))
    , m_keyLog(new QLineEdit(this))
    , m_browseCert(new QToolButton(this))
    , m_browseKey(new QToolButton(this))
    , m_browseKeyLog(new QToolButton(this))
{
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    m_cert->setPlaceholderText(tr("self-signed, made at start"));
    m_cert->setToolTip(tr("The embedded server's certificate (PEM); empty: a self-signed one for localhost and "
                          "127.0.0.1, which the channel trusts"));
    m_key->setPlaceholderText(tr("with the certificate"));
    m_key->setToolTip(tr("The private key of the server certificate (PEM)"));
    m_keyLog->setPlaceholderText(tr("temporary, removed after the run"));
    m_keyLog->setToolTip(tr("Where the channel writes its TLS key log (NSS format, as SSLKEYLOGFILE). The lab "
                            "decrypts its own traffic with it live; keep it here to open a saved capture later."));
    form->addRow(tr("Server cert"), fileRow(m_cert, m_browseCert));
    form->addRow(tr("Server key"), fileRow(m_key, m_browseKey));
    form->addRow(tr("TLS key log"), fileRow(m_keyLog, m_browseKeyLog));
    const auto pick = [this](QLineEdit* edit, const QString& title, bool save) {
        const QString path = save ? QFileDialog::getSaveFileName(
                                 this, title, edit->text(), tr("Key logs (*.log *.txt *.keys);;All files (*)"))
                                  : QFileDialog::getOpenFileName(
                                      this, title, edit->text(), tr("PEM files (*.pem *.crt *.key);;All files (*)"));
        if (!path.isEmpty())
            edit->setText(path);
    };
    connect(m_browseCert, &QToolButton::clicked, this, [=, this] { pick(m_cert, tr("Server certificate"), false); });
    connect(m_browseKey, &QToolButton::clicked, this, [=, this] { pick(m_key, tr("Server key"), false); });
    connect(m_browseKeyLog, &QToolButton::clicked, this, [=, this] { pick(m_keyLog, tr("TLS key log"), true); });
}

void LabTlsFields::apply(core::Target& target) const
{
    const bool serverFiles = target.tls && target.embedded;
    target.certFile = serverFiles ? m_cert->text().trimmed().toStdString() : std::string();
    target.keyFile = serverFiles ? m_key->text().trimmed().toStdString() : std::string();
    target.keyLogFile = target.tls ? m_keyLog->text().trimmed().toStdString() : std::string();
}

void LabTlsFields::show(const core::Target& target)
{
    m_cert->setText(QString::fromStdString(target.certFile));
    m_key->setText(QString::fromStdString(target.keyFile));
    m_keyLog->setText(QString::fromStdString(target.keyLogFile));
}

void LabTlsFields::setMode(bool tls, bool embedded)
{
    for (QWidget* w : std::initializer_list<QWidget*> { m_cert, m_key, m_browseCert, m_browseKey })
        w->setEnabled(tls && embedded);
    m_keyLog->setEnabled(tls);
    m_browseKeyLog->setEnabled(tls);
}

} // namespace ks::ui
