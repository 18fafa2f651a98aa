// What an empty window shows: how to start. A list of entries (open or drop a capture, open a
// bundled sample, run the lab); other parts of the window add theirs with addEntry().
#pragma once

#include <QWidget>

class QAction;
class QCommandLinkButton;
class QVBoxLayout;

namespace ks::ui {

class StartPage : public QWidget {
    Q_OBJECT
public:
    explicit StartPage(QWidget* parent = nullptr);

    // A button that triggers action, titled with its text, with one line of explanation.
    QCommandLinkButton* addEntry(QAction* action, const QString& description);
    QList<QCommandLinkButton*> entries() const { return m_entries; }
    // Anything else below the entries (the scenario library's list).
    void addWidget(QWidget* widget);

private:
    QVBoxLayout* m_list;
    QList<QCommandLinkButton*> m_entries;
};

// The captures bundled with the program (made by grpc-go, C-core and the kernel, see
// tests/data/README.md): a title, a one-line description and the resource path.
struct BundledSample {
    const char* title;
    const char* description;
    const char* resource;
};
QList<BundledSample> bundledSamples();
// Copies a bundled sample into dir (it must outlive the window's use of it); the file's path, or
// "" when it could not be written.
QString extractSample(const BundledSample& sample, const QString& dir);

} // namespace ks::ui
