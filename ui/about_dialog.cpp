#include "about_dialog.h"

#include <grpcpp/grpcpp.h>
#include <nghttp2/nghttp2.h>
#include <pcap/pcap.h>
#include <qcustomplot.h>

#include <QMessageBox>
#include <QtGlobal>

namespace ks::ui {

QString versionsText()
{
    return QStringLiteral("keepalive-scope %1\nQt %2 (built with %3)\ngrpc++ %4\n%5\nnghttp2 %6\nQCustomPlot %7")
        .arg(QStringLiteral(KS_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
            QString::fromStdString(grpc::Version()), QString::fromLatin1(pcap_lib_version()),
            QString::fromLatin1(nghttp2_version(0)->version_str), QStringLiteral(QCUSTOMPLOT_VERSION_STR));
}

void showAboutDialog(QWidget* parent)
{
    QString body = QObject::tr("<p><b>Keepalive Scope</b>: why a long-lived gRPC connection died behind a load "
                               "balancer, and which keepalive settings keep it alive.</p>");
    body += QStringLiteral("<pre>%1</pre>").arg(versionsText().toHtmlEscaped());
    QMessageBox::about(parent, QObject::tr("About Keepalive Scope"), body);
}

} // namespace ks::ui
