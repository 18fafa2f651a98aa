// The command field and its stderr view; running it is LiveCaptureSession's.
#include "capture_command_panel.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QVBoxLayout>

namespace ks::ui {

namespace {
const QString kHistoryKey = QStringLiteral("liveCapture/commandHistory");
constexpr int kMaxHistory = 8;
constexpr int kMaxOutputLines = 8;
} // namespace

CaptureCommandPanel::CaptureCommandPanel(QWidget* parent)
    : QWidget(parent)
    , m_command(new QComboBox(this))
    , m_output(new QLabel(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_command->setEditable(true);
    m_command->setInsertPolicy(QComboBox::NoInsert);
    m_command->addItems(history());
    m_command->lineEdit()->setPlaceholderText(QStringLiteral("ssh HOST sudo tcpdump -U -w - 'tcp port 443'"));
    m_command->setToolTip(tr("A command whose standard output is a pcap or pcapng stream, run through /bin/sh:\n"
                             "  ssh HOST sudo tcpdump -U -w - 'tcp port 443'\n"
                             "  kubectl exec POD -- tcpdump -U -w - 'tcp port 8443'\n"
                             "-U makes tcpdump write each packet at once; -w - writes the capture to standard "
                             "output.\nIt gets no standard input: ssh must log in with a key or an agent."));
    layout->addWidget(m_command);
    m_output->setTextFormat(Qt::PlainText); // stderr is shown as it is, never as markup
    m_output->setWordWrap(true);
    m_output->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_output->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_output->hide();
    layout->addWidget(m_output);
}

QString CaptureCommandPanel::command() const
{
    return m_command->currentText().trimmed();
}

void CaptureCommandPanel::setCommand(const QString& command)
{
    m_command->setCurrentText(command);
}

QStringList CaptureCommandPanel::history()
{
    return QSettings().value(kHistoryKey).toStringList();
}

void CaptureCommandPanel::remember(const QString& command)
{
    if (command.trimmed().isEmpty())
        return;
    QStringList list = history();
    list.removeAll(command);
    list.prepend(command);
    while (list.size() > kMaxHistory)
        list.removeLast();
    QSettings().setValue(kHistoryKey, list);
    const QSignalBlocker block(m_command);
    m_command->clear();
    m_command->addItems(list);
    m_command->setCurrentText(command);
}

void CaptureCommandPanel::setOutput(const QString& text, bool failed)
{
    QStringList lines = text.split(u'\n');
    while (lines.size() > kMaxOutputLines)
        lines.removeFirst();
    const QString shown = lines.join(u'\n').trimmed();
    m_output->setVisible(!shown.isEmpty());
    m_output->setStyleSheet(failed ? QStringLiteral("color:#d62728") : QString());
    m_output->setText(shown);
}

QString CaptureCommandPanel::output() const
{
    return m_output->isHidden() ? QString() : m_output->text(); // shown, even in a folded-away panel
}

} // namespace ks::ui
