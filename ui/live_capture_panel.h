// Live capture controls: interface (what libpcap lists), BPF filter, an optional pcap file to
// save to, Start/Stop.
#pragma once

#include "run_controls.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace ks::ui {

class LiveCapturePanel : public QWidget, public RunControls {
    Q_OBJECT
public:
    explicit LiveCapturePanel(QWidget* parent = nullptr);

    QString device() const;
    QString filter() const;
    QString savePath() const;
    void setDevice(const QString& device);
    void setFilter(const QString& filter);
    void setSavePath(const QString& path);
    void setRunning(bool running) override;
    void setStatus(const QString& text) override;
    QPushButton* startButton() const { return m_start; }
    QPushButton* stopButton() const { return m_stop; }

Q_SIGNALS:
    void startRequested();
    void stopRequested();

private:
    QComboBox* m_device;
    QLineEdit* m_filter;
    QLineEdit* m_save;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_status;
};

} // namespace ks::ui
