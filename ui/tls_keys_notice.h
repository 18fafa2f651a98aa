// A bar above the timeline when TLS connections could not be decrypted: how many, what that
// means for the evidence (PINGs inferred from record sizes), and how to get the keys from the
// common stacks. Every "how" in it is what that stack documents (see tls_keys_notice.cpp).
#pragma once

#include "core/connection_summary.h"

#include <QFrame>

#include <vector>

class QLabel;
class QToolButton;

namespace ks::ui {

class TlsKeysNotice : public QFrame {
    Q_OBJECT
public:
    explicit TlsKeysNotice(QWidget* parent = nullptr);

    // Shows the bar when any TLS connection lacks keys (or its keys do not fit); hides it otherwise.
    void setConnections(const std::vector<core::ConnectionSummary>& connections);
    QString summaryText() const;
    QString howToText() const; // the how-to list, plain text
    QToolButton* chooseButton() const { return m_choose; }

    static QString howToHtml();

Q_SIGNALS:
    void chooseKeyLogRequested();

private:
    QLabel* m_summary;
    QLabel* m_howTo;
    QToolButton* m_toggle;
    QToolButton* m_choose;
};

} // namespace ks::ui
