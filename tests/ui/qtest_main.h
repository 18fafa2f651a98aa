// A QtTest main for widget tests: offscreen unless a platform was chosen, and QSettings in
// test mode so runs never touch the user's recent files.
#pragma once

#include <QApplication>
#include <QStandardPaths>
#include <QtTest>

#define KS_QTEST_MAIN(TestClass)                                                                                       \
    int main(int argc, char** argv)                                                                                    \
    {                                                                                                                  \
        if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))                                                             \
            qputenv("QT_QPA_PLATFORM", "offscreen");                                                                   \
        QStandardPaths::setTestModeEnabled(true);                                                                      \
        QApplication app(argc, argv);                                                                                  \
        QCoreApplication::setOrganizationName(QStringLiteral("KeepaliveScopeTests"));                                  \
        TestClass test;                                                                                                \
        return QTest::qExec(&test, argc, argv);                                                                        \
    }
