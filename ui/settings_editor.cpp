// One form row per SettingSpec; the value text is parsed as the spec's unit.
// The constructor (some 90 lines) lays out the form's rows top to bottom, as the user sees them.
#include "settings_editor.h"
#include "last_folder.h"

#include "core/config_lint.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSettings>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>

namespace ks::ui {

namespace {

QString defaultText(const core::SettingSpec& spec)
{
    if (spec.unit == core::SettingUnit::Boolean)
        return spec.defaultValue ? QObject::tr("on") : QObject::tr("off");
    if (spec.defaultValue == core::kInfinite)
        return QObject::tr("never");
    QString text
        = QString::number(spec.defaultValue) % u' ' % QString::fromLatin1(core::settingUnitName(spec.unit).data());
    if (spec.unit == core::SettingUnit::Milliseconds && spec.defaultValue >= 1000)
        text += u" (" % QString::fromStdString(core::formatDuration(static_cast<double>(spec.defaultValue) / 1000))
            % u')';
    return text;
}

} // namespace

std::optional<qlonglong> SettingsEditor::parseValue(const QString& text, core::SettingUnit unit)
{
    bool ok = false;
    if (const qlonglong v = text.toLongLong(&ok); ok)
        return v;
    if (unit != core::SettingUnit::Milliseconds && unit != core::SettingUnit::Seconds)
        return std::nullopt;
    // A number with a time unit, in the field's unit: "1.5s", "250 ms", "5min", "2h".
    static const QRegularExpression re(QStringLiteral("^([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|sec|m|min|h)$"));
    const auto m = re.match(text.toLower());
    if (!m.hasMatch())
        return std::nullopt;
    const double number = m.captured(1).toDouble();
    const QString u = m.captured(2);
    const double seconds = u == u"ms" ? number / 1000
        : u == u"h"                   ? number * 3600
        : (u == u"m" || u == u"min")  ? number * 60
                                      : number;
    const double value = unit == core::SettingUnit::Milliseconds ? seconds * 1000 : seconds;
    if (value > 1e15 || value != std::floor(value))
        return std::nullopt;
    return static_cast<qlonglong>(value);
}

SettingsEditor::SettingsEditor(QWidget* parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* buttons = new QHBoxLayout;
    auto* load = new QPushButton(tr("Load\u2026"), this);
    auto* save = new QPushButton(tr("Save\u2026"), this);
    load->setToolTip(tr("Load an experiment file (settings, simulator, RPC pattern, target)"));
    save->setToolTip(tr("Save the experiment file (written atomically)"));
    buttons->addWidget(load);
    buttons->addWidget(save);
    buttons->addStretch();
    layout->addLayout(buttons);
    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = rememberFolder(QFileDialog::getOpenFileName(
            this, tr("Load experiment"), m_path.isEmpty() ? lastFolder() : m_path, tr("Experiment (*.json)")));
        if (!path.isEmpty())
            if (const QString e = this->load(path); !e.isEmpty())
                QMessageBox::warning(this, tr("Load experiment"), e);
    });
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = rememberFolder(QFileDialog::getSaveFileName(this, tr("Save experiment"),
            m_path.isEmpty() ? inLastFolder(QStringLiteral("experiment.json")) : m_path, tr("Experiment (*.json)")));
        if (!path.isEmpty())
            if (const QString e = this->save(path); !e.isEmpty())
                QMessageBox::warning(this, tr("Save experiment"), e);
    });

    auto* tabs = new QTabWidget(this);
    const auto specs = core::settingSpecs();
    m_fields.reserve(specs.size());
    QFormLayout* forms[3] {};
    for (int side = 0; side < 3; ++side) {
        auto* page = new QWidget;
        forms[side] = new QFormLayout(page);
        forms[side]->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        forms[side]->setRowWrapPolicy(QFormLayout::WrapLongRows); // a narrow dock puts fields below names
        auto* scroll = new QScrollArea;
        scroll->setWidgetResizable(true);
        // Notes wrap to the dock's width instead of widening the page past it (and being clipped).
        scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        scroll->setWidget(page);
        tabs->addTab(scroll, side == 0 ? tr("Client") : side == 1 ? tr("Server") : tr("TCP"));
    }
    for (const auto& spec : specs) {
        m_fields.push_back({});
        Field& f = m_fields.back();
        f.spec = &spec;
        auto* row = new QWidget;
        auto* rowLayout = new QVBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        rowLayout->setSpacing(1);
        const QString tip = QString::fromLatin1(spec.help.data(), static_cast<qsizetype>(spec.help.size())) % u"\n("
            % QString::fromLatin1(spec.channelArg.data(), static_cast<qsizetype>(spec.channelArg.size())) % u", "
            % tr("default") % u' ' % defaultText(spec) % u')';
        if (spec.unit == core::SettingUnit::Boolean) {
            f.combo = new QComboBox;
            f.combo->addItem(tr("default (%1)").arg(defaultText(spec)));
            f.combo->addItem(tr("off"), 0);
            f.combo->addItem(tr("on"), 1);
            f.combo->setToolTip(tip);
            rowLayout->addWidget(f.combo);
        } else {
            f.edit = new QLineEdit;
            f.edit->setPlaceholderText(tr("default: %1").arg(defaultText(spec)));
            f.edit->setToolTip(tip);
            f.edit->setClearButtonEnabled(true);
            rowLayout->addWidget(f.edit);
        }
        f.note = new QLabel;
        f.note->setWordWrap(true);
        f.note->setMinimumWidth(120);
        f.note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::MinimumExpanding);
        f.note->hide();
        rowLayout->addWidget(f.note);
        auto* label = new QLabel(QString::fromLatin1(spec.key.data(), static_cast<qsizetype>(spec.key.size())) % u" ["
            % QString::fromLatin1(core::settingUnitName(spec.unit).data()) % u']');
        label->setToolTip(tip);
        forms[static_cast<int>(spec.side)]->addRow(label, row);
    }
    for (Field& f : m_fields) {
        if (f.combo)
            connect(f.combo, &QComboBox::currentIndexChanged, this, [this, &f] { onEdited(f); });
        else
            connect(f.edit, &QLineEdit::textChanged, this, [this, &f] { onEdited(f); });
    }
    layout->addWidget(tabs, 1);
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    refreshLint();
}

SettingsEditor::Field* SettingsEditor::find(core::SettingSide side, const QString& key)
{
    for (Field& f : m_fields)
        if (f.spec->side == side
            && QLatin1String(f.spec->key.data(), static_cast<qsizetype>(f.spec->key.size())) == key)
            return &f;
    return nullptr;
}

const SettingsEditor::Field* SettingsEditor::find(core::SettingSide side, const QString& key) const
{
    return const_cast<SettingsEditor*>(this)->find(side, key);
}

void SettingsEditor::onEdited(Field& f)
{
    if (m_loading)
        return;
    const auto side = f.spec->side;
    const std::string key(f.spec->key);
    const bool wasInvalid = !f.error.isEmpty();
    f.error.clear();
    f.changedFrom.reset(); // edited by hand since
    if (f.combo) {
        const QVariant v = f.combo->currentData();
        if (v.isValid())
            m_experiment.settings.set(side, key, v.toInt());
        else
            m_experiment.settings.unset(side, key);
    } else {
        const QString text = f.edit->text().trimmed();
        if (text.isEmpty()) {
            m_experiment.settings.unset(side, key);
        } else if (text == u"never" || text == u"inf") {
            f.error = QString::fromStdString(m_experiment.settings.set(side, key, core::kInfinite));
        } else if (const auto v = parseValue(text, f.spec->unit)) {
            f.error = QString::fromStdString(m_experiment.settings.set(side, key, *v));
        } else {
            f.error = f.spec->unit == core::SettingUnit::Milliseconds || f.spec->unit == core::SettingUnit::Seconds
                ? tr("%1: \"%2\" is not a time: a whole number of %3, a time with its unit (1.5s, 250ms, "
                     "5min, 2h), or \"never\"")
                      .arg(QString::fromLatin1(f.spec->key.data()), text,
                          QString::fromLatin1(core::settingUnitName(f.spec->unit).data()))
                : tr("%1: \"%2\" is not a whole number").arg(QString::fromLatin1(f.spec->key.data()), text);
        }
        // A field that does not parse (or is out of range) takes no part in the lint: a half-typed
        // value would otherwise be judged as if meant.
        if (!f.error.isEmpty())
            m_experiment.settings.unset(side, key);
    }
    const bool isInvalid = !f.error.isEmpty();
    m_invalid += (isInvalid ? 1 : 0) - (wasInvalid ? 1 : 0);
    if (f.edit) {
        f.edit->setStyleSheet(isInvalid ? QStringLiteral("QLineEdit { border: 1px solid #d62728; }") : QString());
    }
    refreshLint();
    Q_EMIT experimentChanged();
}

void SettingsEditor::refreshLint()
{
    m_lint = core::lintSettings(m_experiment.settings, m_profiles, &m_experiment.target);
    for (Field& f : m_fields) {
        QStringList notes;
        if (!f.error.isEmpty()) { // the parse error alone: no lint about a value that is not one
            notes << u"<span style='color:#d62728'>" % f.error.toHtmlEscaped() % u"</span>";
            f.note->setText(notes.constFirst());
            f.note->setToolTip(f.error);
            f.note->setVisible(true);
            continue;
        }
        if (f.changedFrom)
            notes << u"<span style='color:#2ca02c'>\u2714 "
                    % tr("changed by a finding (was %1)").arg(f.changedFrom->toHtmlEscaped()) % u"</span>";
        const std::string needle = std::string(core::settingSideName(f.spec->side)) + " " + std::string(f.spec->key);
        for (const auto& finding : m_lint) {
            if (finding.suggestion.find(needle) != std::string::npos
                || finding.detail.find(needle) != std::string::npos) {
                const char* color = finding.severity == core::Severity::Error ? "#d62728"
                    : finding.severity == core::Severity::Warning             ? "#b26b00"
                                                                              : "#1f77b4";
                notes << u"<span style='color:" % QString::fromLatin1(color) % u"'>\u26a0 "
                        % QString::fromStdString(finding.title).toHtmlEscaped() % u"</span>";
            }
        }
        f.note->setText(notes.join(u"<br>"_qs));
        f.note->setToolTip(notes.isEmpty() ? QString() : f.note->text());
        f.note->setVisible(!notes.isEmpty());
    }
    int errors = 0, warnings = 0;
    for (const auto& l : m_lint)
        (l.severity == core::Severity::Error ? errors : warnings) += l.severity == core::Severity::Info ? 0 : 1;
    // Fields that do not parse are errors too, counted first: "abc" is not "0 error(s)".
    QString text;
    if (m_invalid > 0)
        text = u"<span style='color:#d62728'>"
            % tr("%n field(s) do not parse: fix the fields marked in red.", nullptr, m_invalid) % u"</span> ";
    text += m_lint.empty()
        ? tr("Lint: no problems found.")
        : tr("Lint: %1 error(s), %2 warning(s). Hover a field's note for details.").arg(errors).arg(warnings);
    m_summary->setText(text);
}

void SettingsEditor::setExperiment(const core::Experiment& experiment)
{
    m_experiment = experiment;
    m_loading = true;
    m_invalid = 0;
    for (Field& f : m_fields) {
        f.error.clear();
        f.changedFrom.reset();
        const auto v = m_experiment.settings.explicitValue(f.spec->side, f.spec->key);
        if (f.combo)
            f.combo->setCurrentIndex(v ? (*v ? 2 : 1) : 0);
        else
            f.edit->setText(v ? (*v == core::kInfinite ? QStringLiteral("never") : QString::number(*v)) : QString());
        if (f.edit)
            f.edit->setStyleSheet({});
    }
    m_loading = false;
    refreshLint();
    Q_EMIT experimentChanged();
}

void SettingsEditor::setProfiles(std::vector<core::LbCatalogueEntry> profiles)
{
    m_profiles = std::move(profiles);
    refreshLint();
}

QString SettingsEditor::load(const QString& path)
{
    auto result = core::loadExperiment(path.toStdString());
    if (!result.experiment) {
        QStringList errors;
        for (const auto& e : result.errors)
            errors << QString::fromStdString(e);
        return errors.join(u'\n');
    }
    m_path = path;
    QSettings().setValue(QStringLiteral("lastExperiment"), path);
    setExperiment(*result.experiment);
    Q_EMIT experimentLoaded();
    return {};
}

QString SettingsEditor::save(const QString& path)
{
    if (!valid())
        return tr("Fix the fields marked in red before saving.");
    if (m_runPlanSource) {
        const core::Experiment planned = m_runPlanSource(m_experiment);
        m_experiment.target = planned.target;
        m_experiment.rpc = planned.rpc;
        m_experiment.simulator = planned.simulator;
    }
    const std::string error = core::saveExperiment(m_experiment, path.toStdString());
    if (!error.empty())
        return QString::fromStdString(error);
    m_path = path;
    QSettings().setValue(QStringLiteral("lastExperiment"), path);
    return {};
}

void SettingsEditor::setFieldText(core::SettingSide side, const QString& key, const QString& text)
{
    Field* f = find(side, key);
    if (!f)
        return;
    if (f->combo)
        f->combo->setCurrentIndex(text.isEmpty() ? 0 : text == u"1" || text == u"on" ? 2 : 1);
    else
        f->edit->setText(text);
}

QString SettingsEditor::fieldError(core::SettingSide side, const QString& key) const
{
    const Field* f = find(side, key);
    return f ? f->error : QString();
}

QStringList SettingsEditor::applyChanges(const std::vector<core::SettingChange>& changes)
{
    core::Experiment ex = m_experiment;
    QStringList errors;
    for (const auto& e : core::applyChanges(ex.settings, changes))
        errors << QString::fromStdString(e);
    if (!errors.isEmpty())
        return errors;
    std::vector<std::pair<const core::SettingSpec*, QString>> before;
    for (const auto& c : changes)
        if (const Field* f = find(c.side, QString::fromStdString(c.setting)))
            before.emplace_back(f->spec,
                f->combo                        ? f->combo->currentText()
                    : f->edit->text().isEmpty() ? tr("default")
                                                : f->edit->text());
    setExperiment(ex);
    for (const auto& [spec, text] : before)
        if (Field* f = find(spec->side, QLatin1String(spec->key.data(), static_cast<qsizetype>(spec->key.size()))))
            f->changedFrom = text;
    refreshLint();
    return {};
}

QStringList SettingsEditor::changedFields() const
{
    QStringList out;
    for (const Field& f : m_fields)
        if (f.changedFrom)
            out << QString::fromLatin1(core::settingSideName(f.spec->side).data()) % u' '
                    % QLatin1String(f.spec->key.data(), static_cast<qsizetype>(f.spec->key.size()));
    return out;
}

QString SettingsEditor::summaryText() const
{
    return m_summary->text();
}

QString SettingsEditor::fieldLint(core::SettingSide side, const QString& key) const
{
    const Field* f = find(side, key);
    return f && !f->note->isHidden() ? f->note->text() : QString();
}

} // namespace ks::ui
