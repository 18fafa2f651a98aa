// Help > About: what this build is and the versions of the libraries it runs on (the same text
// `keepalive-scope --version` prints).
#pragma once

#include <QString>

class QWidget;

namespace ks::ui {

// "keepalive-scope 0.1.0\nQt 6.4.2\ngrpc++ 1.51.1\nlibpcap version 1.10.3 ...\nnghttp2 1.52.0\nQCustomPlot 2.1.0"
QString versionsText();
void showAboutDialog(QWidget* parent);

} // namespace ks::ui
