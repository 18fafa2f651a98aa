// Sources for each line of the how-to, checked when it was written:
// - SSLKEYLOGFILE: curl (lib/vtls/keylog.h: "The SSLKEYLOGFILE environment variable specifies the
//   output file"), Firefox (NSS Key Log Format page: official Firefox builds honour it, Debian's
//   NSS does not), Chrome (Wireshark's TLS wiki: "Firefox, Chrome and curl").
// - Go: crypto/tls Config.KeyLogWriter ("no such mechanism is built in to Go" for an environment
//   variable: the commit that added it).
// - grpc++: grpcpp/security/tls_credentials_options.h, set_tls_session_key_log_file_path
//   (experimental; for debugging only).
// - Envoy: CommonTlsContext.key_log (TlsKeyLog: path, local_address_range, remote_address_range).
// - OpenSSL: SSL_CTX_set_keylog_callback(3ssl): "log line, followed by a newline".
// - editcap --inject-secrets tls,FILE (Wireshark 3.0+; output is pcapng by default).
#include "tls_keys_notice.h"

#include <QGridLayout>
#include <QLabel>
#include <QTextDocumentFragment>
#include <QToolButton>

namespace ks::ui {

TlsKeysNotice::TlsKeysNotice(QWidget* parent)
    : QFrame(parent)
    , m_summary(new QLabel(this))
    , m_howTo(new QLabel(howToHtml(), this))
    , m_toggle(new QToolButton(this))
    , m_choose(new QToolButton(this))
{
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
    pal.setColor(QPalette::WindowText, QColor(0x3a, 0x2e, 0x00));
    setPalette(pal);
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(8, 4, 8, 4);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    grid->addWidget(m_summary, 0, 0);
    m_choose->setText(tr("Choose key log\u2026"));
    m_toggle->setText(tr("How to get keys"));
    m_toggle->setCheckable(true);
    grid->addWidget(m_choose, 0, 1);
    grid->addWidget(m_toggle, 0, 2);
    m_howTo->setWordWrap(true);
    m_howTo->setTextFormat(Qt::RichText);
    m_howTo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_howTo->setVisible(false);
    grid->addWidget(m_howTo, 1, 0, 1, 3);
    grid->setColumnStretch(0, 1);
    connect(m_toggle, &QToolButton::toggled, m_howTo, &QLabel::setVisible);
    connect(m_choose, &QToolButton::clicked, this, &TlsKeysNotice::chooseKeyLogRequested);
    hide();
}

QString TlsKeysNotice::howToHtml()
{
    return tr("Key logs (NSS format) come from the TLS client or server, not from the capture:"
              "<ul style='margin:0'>"
              "<li><b>curl, Firefox, Chrome</b>: start them with <tt>SSLKEYLOGFILE=/path/keys.log</tt> in the "
              "environment (Firefox as Mozilla builds it; some distributions build NSS without it).</li>"
              "<li><b>Go, grpc-go included</b>: set <tt>tls.Config.KeyLogWriter</tt> to an open file; Go reads no "
              "environment variable for it.</li>"
              "<li><b>grpc++</b>: <tt>grpc::experimental::TlsCredentialsOptions::"
              "set_tls_session_key_log_file_path(path)</tt> (an experimental API, for debugging only). The lab "
              "does this for its own TLS runs.</li>"
              "<li><b>Envoy</b>: <tt>common_tls_context.key_log.path</tt> on the TLS transport socket (optionally "
              "narrowed by <tt>local_address_range</tt> / <tt>remote_address_range</tt>).</li>"
              "<li><b>Your own OpenSSL program</b>: <tt>SSL_CTX_set_keylog_callback</tt>, writing each line it "
              "gets followed by a newline.</li>"
              "<li><b>Keys and capture in one file</b>: <tt>editcap --inject-secrets tls,keys.log in.pcap "
              "out.pcapng</tt>; <tt>out.pcapng</tt> then opens decrypted with no key log chosen.</li>"
              "</ul>"
              "Only sessions whose secrets were logged while they were made can be read: a key log written later "
              "does not cover connections that were already open.");
}

QString TlsKeysNotice::howToText() const
{
    return QTextDocumentFragment::fromHtml(m_howTo->text()).toPlainText();
}

QString TlsKeysNotice::summaryText() const
{
    return QTextDocumentFragment::fromHtml(m_summary->text()).toPlainText();
}

void TlsKeysNotice::setConnections(const std::vector<core::ConnectionSummary>& connections)
{
    int noKeys = 0, mismatch = 0;
    for (const auto& c : connections) {
        if (!c.tls)
            continue;
        noKeys += c.tls->decryption == "no keys" ? 1 : 0;
        mismatch += c.tls->decryption == "authentication failed" ? 1 : 0;
    }
    if (noKeys == 0 && mismatch == 0) {
        hide();
        return;
    }
    QString text;
    if (noKeys > 0)
        text = (noKeys == 1 ? tr("<b>1 TLS connection without keys.</b> Its")
                            : tr("<b>%1 TLS connections without "
                                 "keys.</b> Their")
                                  .arg(noKeys))
            % u' '
            % tr("PING and PING ACK are inferred from TLS record sizes (hollow markers), and findings on them say so. "
                 "Choose the key log the client or server wrote to read them.");
    if (mismatch > 0)
        text += (text.isEmpty() ? QString() : QStringLiteral(" "))
            % tr("<b>TLS connections failing authentication: %1</b> with the chosen keys: the key log holds other "
                 "sessions' secrets, or the capture is damaged.")
                  .arg(mismatch);
    m_summary->setText(text);
    show();
}

} // namespace ks::ui
