// The start page's layout and the bundled samples.
#include "start_page.h"

#include <QAction>
#include <QCommandLinkButton>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QVBoxLayout>

namespace ks::ui {

StartPage::StartPage(QWidget* parent)
    : QWidget(parent)
    , m_list(new QVBoxLayout)
{
    auto* outer = new QVBoxLayout(this);
    auto* title = new QLabel(tr("<h2>Why did my gRPC connection die?</h2>"
                                "<p>Keepalive Scope reads HTTP/2 PINGs, GOAWAYs, TCP keep-alives and "
                                "closes from a capture, draws them against your load balancers' idle "
                                "timeouts and says what happened. Start here:</p>"),
        this);
    title->setWordWrap(true);
    title->setMaximumWidth(620);
    outer->addStretch(1);
    outer->addWidget(title, 0, Qt::AlignHCenter);
    auto* box = new QWidget(this);
    box->setLayout(m_list);
    box->setMaximumWidth(620);
    box->setMinimumWidth(360);
    outer->addWidget(box, 0, Qt::AlignHCenter);
    outer->addStretch(2);
}

QCommandLinkButton* StartPage::addEntry(QAction* action, const QString& description)
{
    auto* button = new QCommandLinkButton(action->text().remove(u'&').remove(u"\u2026"_qs), description, this);
    button->setObjectName(action->objectName());
    connect(button, &QCommandLinkButton::clicked, action, &QAction::trigger);
    m_list->addWidget(button);
    m_entries << button;
    return button;
}

void StartPage::addWidget(QWidget* widget)
{
    m_list->addWidget(widget);
}

QList<BundledSample> bundledSamples()
{
    return {
        { "Server refuses the client's pings", "grpc-go: GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\"",
            ":/samples/goaway_too_many_pings.pcap" },
        { "A proxy resets idle connections", "grpc-go through a proxy that resets flows idle for 1.5 s (RST both ways)",
            ":/samples/idle_reset_proxy.pcap" },
        { "A keepalive PING goes unanswered",
            "C-core through a proxy that goes silent: keepalive_timeout closes the connection",
            ":/samples/keepalive_timeout_proxy.pcap" },
    };
}

QString extractSample(const BundledSample& sample, const QString& dir)
{
    const QString path = dir % u'/' % QFileInfo(QString::fromLatin1(sample.resource)).fileName();
    if (QFileInfo::exists(path))
        return path;
    return QFile::copy(QString::fromLatin1(sample.resource), path) ? path : QString();
}

} // namespace ks::ui
