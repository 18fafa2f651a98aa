// The form; the capture itself is LiveCaptureSession's.
#include "live_capture_panel.h"
#include "last_folder.h"

#include "capture_command_panel.h"
#include "live_capture_session.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QToolButton>

namespace ks::ui {

LiveCapturePanel::LiveCapturePanel(QWidget* parent)
    : QWidget(parent)
    , m_fromInterface(new QRadioButton(tr("Interface"), this))
    , m_fromCommand(new QRadioButton(tr("Command"), this))
    , m_commandPanel(new CaptureCommandPanel(this))
    , m_device(new QComboBox(this))
    , m_filter(new QLineEdit(QStringLiteral("tcp"), this))
    , m_save(new QLineEdit(this))
    , m_start(new QPushButton(tr("Start capture"), this))
    , m_stop(new QPushButton(tr("Stop"), this))
    , m_status(new QLabel(this))
{
    auto* form = new QFormLayout(this);
    auto* source = new QHBoxLayout;
    source->addWidget(m_fromInterface);
    source->addWidget(m_fromCommand);
    source->addStretch();
    m_fromCommand->setToolTip(tr("Capture where the traffic is: run a command whose standard output is a pcap stream"));
    form->addRow(tr("Capture from"), source);
    // The list arrives from a worker (pcap_findalldevs may block); "lo" until then.
    m_device->setEditable(true);
    m_device->setCurrentText(QStringLiteral("lo"));
    auto* devices = new QFutureWatcher<QStringList>(this);
    connect(devices, &QFutureWatcher<QStringList>::finished, this, [this, devices] {
        const QStringList list = devices->result();
        devices->deleteLater();
        if (!list.isEmpty() && list.constFirst().isEmpty()) {
            setStatus(list.value(1));
            return;
        }
        const QString typed = m_device->currentText();
        m_device->addItems(list);
        m_device->setCurrentText(typed);
    });
    devices->setFuture(LiveCaptureSession::interfaces());
    form->addRow(tr("Interface"), m_device);
    m_filter->setToolTip(tr("A BPF filter as tcpdump takes it, e.g. \"tcp port 443\""));
    form->addRow(tr("Filter"), m_filter);
    form->addRow(tr("Command"), m_commandPanel);
    const QSettings settings;
    m_commandPanel->setCommand(settings.value(QStringLiteral("liveCapture/command")).toString());
    setUseCommand(settings.value(QStringLiteral("liveCapture/source")).toString() == QStringLiteral("command"));
    connect(m_fromCommand, &QRadioButton::toggled, this, &LiveCapturePanel::updateSourceFields);
    m_save->setPlaceholderText(tr("don't save"));
    m_save->setToolTip(tr("Save the capture as pcap (written beside, renamed when the capture stops)"));
    auto* browse = new QToolButton(this);
    browse->setText(QStringLiteral("\u2026"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString p = rememberFolder(QFileDialog::getSaveFileName(
            this, tr("Save live capture"), inLastFolder(QStringLiteral("live.pcap")), tr("pcap (*.pcap)")));
        if (!p.isEmpty())
            m_save->setText(p);
    });
    auto* saveRow = new QHBoxLayout;
    saveRow->addWidget(m_save, 1);
    saveRow->addWidget(browse);
    form->addRow(tr("Save to"), saveRow);
    auto* run = new QHBoxLayout;
    run->addWidget(m_start);
    run->addWidget(m_stop);
    form->addRow(run);
    m_status->setWordWrap(true);
    form->addRow(m_status);
    connect(m_start, &QPushButton::clicked, this, &LiveCapturePanel::startRequested);
    connect(m_stop, &QPushButton::clicked, this, &LiveCapturePanel::stopRequested);
    setRunning(false);
}

QString LiveCapturePanel::device() const
{
    return m_device->currentText().trimmed();
}
QString LiveCapturePanel::filter() const
{
    return m_filter->text().trimmed();
}
QString LiveCapturePanel::savePath() const
{
    return m_save->text().trimmed();
}
void LiveCapturePanel::setDevice(const QString& device)
{
    m_device->setCurrentText(device);
}
void LiveCapturePanel::setFilter(const QString& filter)
{
    m_filter->setText(filter);
}
void LiveCapturePanel::setSavePath(const QString& path)
{
    m_save->setText(path);
}

QString LiveCapturePanel::command() const
{
    return usesCommand() ? m_commandPanel->command() : QString();
}
bool LiveCapturePanel::usesCommand() const
{
    return m_fromCommand->isChecked();
}
void LiveCapturePanel::setUseCommand(bool command)
{
    (command ? m_fromCommand : m_fromInterface)->setChecked(true);
    updateSourceFields();
}
void LiveCapturePanel::setCommand(const QString& command)
{
    m_commandPanel->setCommand(command);
}

void LiveCapturePanel::rememberChoices()
{
    QSettings settings;
    settings.setValue(
        QStringLiteral("liveCapture/source"), usesCommand() ? QStringLiteral("command") : QStringLiteral("interface"));
    if (usesCommand()) {
        settings.setValue(QStringLiteral("liveCapture/command"), m_commandPanel->command());
        m_commandPanel->remember(m_commandPanel->command());
    }
}

void LiveCapturePanel::updateSourceFields()
{
    const bool running = m_stop->isEnabled();
    m_device->setEnabled(!running && !usesCommand());
    m_filter->setEnabled(!running && !usesCommand());
    m_commandPanel->commandBox()->setEnabled(!running && usesCommand());
}

void LiveCapturePanel::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
    m_fromInterface->setEnabled(!running);
    m_fromCommand->setEnabled(!running);
    m_save->setEnabled(!running);
    updateSourceFields();
}

void LiveCapturePanel::setStatus(const QString& text)
{
    m_status->setText(text);
}

QString LiveCapturePanel::status() const
{
    return m_status->text();
}

} // namespace ks::ui
