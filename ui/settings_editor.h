// The keepalive settings editor: every client, server and TCP knob from core's table, with its
// unit, its default shown when unset, the help text as tooltip, validation as you type, and the
// lint findings beside the fields they name. Loads and saves experiment files.
#pragma once

#include "core/experiment.h"
#include "core/finding.h"
#include "core/lb_catalogue.h"

#include <QWidget>

#include <functional>
#include <optional>
#include <vector>

class QLabel;
class QLineEdit;
class QComboBox;

namespace ks::ui {

class SettingsEditor : public QWidget {
    Q_OBJECT
public:
    explicit SettingsEditor(QWidget* parent = nullptr);

    const core::Experiment& experiment() const { return m_experiment; }
    void setExperiment(const core::Experiment& experiment);
    void setProfiles(std::vector<core::LbCatalogueEntry> profiles);
    const std::vector<core::Finding>& lint() const { return m_lint; }
    bool valid() const { return m_invalid == 0; }
    QString currentPath() const { return m_path; }

    QString load(const QString& path); // error or ""
    QString save(const QString& path); // error or ""
    // Where save() gets the target, RPC plan and simulator: the lab panel's current choices
    // applied to the experiment (without it, the loaded file's are saved back).
    void setRunPlanSource(std::function<core::Experiment(core::Experiment)> source)
    {
        m_runPlanSource = std::move(source);
    }
    // Sets a field as if typed ("" unsets); for tests.
    void setFieldText(core::SettingSide side, const QString& key, const QString& text);
    QString fieldError(core::SettingSide side, const QString& key) const;
    QString fieldLint(core::SettingSide side, const QString& key) const;
    QString summaryText() const;
    // A finding's changes: applied to the settings, and each changed field says what it was.
    // Returns the changes that do not fit (nothing is applied then).
    QStringList applyChanges(const std::vector<core::SettingChange>& changes);
    QStringList changedFields() const; // "client keepalive_time_ms", marked since the last apply
    int parseErrors() const { return m_invalid; }
    // A field's text as a value in its unit: a whole number, or for times a number with a unit
    // ("1.5s", "250ms", "5min", "2h"); nothing when it is neither.
    static std::optional<qlonglong> parseValue(const QString& text, core::SettingUnit unit);

Q_SIGNALS:
    void experimentChanged();
    // A file was loaded: its target, RPC plan and simulator are for the lab panel to show.
    void experimentLoaded();

private:
    struct Field {
        const core::SettingSpec* spec = nullptr;
        QLineEdit* edit = nullptr;
        QComboBox* combo = nullptr;
        QLabel* note = nullptr; // validation error or lint
        QString error;
        std::optional<QString> changedFrom; // set by applyChanges(): the text before
    };
    void onEdited(Field& field);
    void refreshLint();
    Field* find(core::SettingSide side, const QString& key);
    const Field* find(core::SettingSide side, const QString& key) const;

    core::Experiment m_experiment;
    std::vector<core::LbCatalogueEntry> m_profiles;
    std::vector<core::Finding> m_lint;
    std::function<core::Experiment(core::Experiment)> m_runPlanSource;
    std::vector<Field> m_fields;
    QLabel* m_summary;
    QString m_path;
    int m_invalid = 0;
    bool m_loading = false;
};

} // namespace ks::ui
