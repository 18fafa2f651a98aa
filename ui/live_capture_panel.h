// Live capture controls: an interface (what libpcap lists) with a BPF filter, or a capture
// command (CaptureCommandPanel); an optional pcap file to save to, Start/Stop. The choice of
// source is remembered.
#pragma once

#include "run_controls.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace ks::ui {

class CaptureCommandPanel;

class LiveCapturePanel : public QWidget, public RunControls {
    Q_OBJECT
public:
    explicit LiveCapturePanel(QWidget* parent = nullptr);

    QString device() const;
    QString filter() const;
    QString savePath() const;
    // The capture command when "Command" is chosen, else empty.
    QString command() const;
    bool usesCommand() const;
    void setUseCommand(bool command);
    void setCommand(const QString& command);
    CaptureCommandPanel* commandPanel() const { return m_commandPanel; }
    // Remembers the source choice and the command (Start calls it).
    void rememberChoices();
    void setDevice(const QString& device);
    void setFilter(const QString& filter);
    void setSavePath(const QString& path);
    void setRunning(bool running) override;
    void setStatus(const QString& text) override;
    QString status() const;
    QPushButton* startButton() const { return m_start; }
    QPushButton* stopButton() const { return m_stop; }

Q_SIGNALS:
    void startRequested();
    void stopRequested();

private:
    void updateSourceFields();

    QRadioButton* m_fromInterface;
    QRadioButton* m_fromCommand;
    CaptureCommandPanel* m_commandPanel;
    QComboBox* m_device;
    QLineEdit* m_filter;
    QLineEdit* m_save;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_status;
};

} // namespace ks::ui
