// The capture command field of the live capture: a command line whose standard output is a pcap
// or pcapng stream (tcpdump on a server over ssh, in a pod through kubectl exec), with the last
// ones used remembered (QSettings) and the command's stderr shown while it runs or when it fails.
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;

namespace ks::ui {

class CaptureCommandPanel : public QWidget {
    Q_OBJECT
public:
    explicit CaptureCommandPanel(QWidget* parent = nullptr);

    QString command() const;
    void setCommand(const QString& command);
    // Puts command first in the remembered list (at most 8), as Start does.
    void remember(const QString& command);
    static QStringList history();
    // What the command wrote on stderr: the last lines, plain text.
    void setOutput(const QString& text, bool failed = false);
    QString output() const;
    QComboBox* commandBox() const { return m_command; }

private:
    QComboBox* m_command;
    QLabel* m_output;
};

} // namespace ks::ui
