// The TLS key log the window decrypts with (an NSS key log: SSLKEYLOGFILE, Go's KeyLogWriter,
// grpc++'s key log path, Envoy's key_log): opened captures and the live capture use it, it is
// remembered (QSettings), and choosing another one re-reads the open capture.
#pragma once

#include <QWidget>

class QLineEdit;
class QToolButton;

namespace ks::ui {

class KeyLogPicker : public QWidget {
    Q_OBJECT
public:
    explicit KeyLogPicker(QWidget* parent = nullptr);

    QString path() const { return m_path; }
    // Sets, remembers and announces the key log (empty: none).
    void setPath(const QString& path);
    // Asks for a file (a dialog), as the browse button does.
    void browse();

Q_SIGNALS:
    void pathChanged(const QString& path);

private:
    QString m_path;
    QLineEdit* m_edit;
    QToolButton* m_browse;
    QToolButton* m_clear;
};

} // namespace ks::ui
