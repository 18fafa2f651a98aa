// The lab's TLS files beside the CA file: the embedded server's certificate and key (empty: a
// self-signed pair made at start) and where the run keeps its key log (empty: a temporary file).
#pragma once

#include "core/experiment.h"

#include <QWidget>

class QLineEdit;
class QToolButton;

namespace ks::ui {

class LabTlsFields : public QWidget {
    Q_OBJECT
public:
    explicit LabTlsFields(QWidget* parent = nullptr);

    void apply(core::Target& target) const;
    void show(const core::Target& target);
    // TLS on or off, and whether the target is the embedded server (only it takes a certificate).
    void setMode(bool tls, bool embedded);

private:
    QLineEdit* m_cert;
    QLineEdit* m_key;
    QLineEdit* m_keyLog;
    QToolButton* m_browseCert;
    QToolButton* m_browseKey;
    QToolButton* m_browseKeyLog;
};

} // namespace ks::ui
