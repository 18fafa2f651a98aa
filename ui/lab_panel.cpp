// The lab form; the run itself is LabSession's.
// The constructor (some 90 lines) lays out the form's rows top to bottom, as the user sees them.
#include "lab_panel.h"
#include "last_folder.h"

#include "core/scenario.h"

#include "core/finding.h"
#include "core/lb_catalogue.h"
#include "lab_session.h"
#include "lab_tls_fields.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>

namespace ks::ui {

namespace {
constexpr auto kCustomSimulator = "\x01custom";
} // namespace

LabPanel::LabPanel(LabSession* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_target(new QLineEdit(this))
    , m_tls(new QCheckBox(tr("TLS"), this))
    , m_caFile(new QLineEdit(this))
    , m_browseCa(new QToolButton(this))
    , m_tlsFields(new LabTlsFields(this))
    , m_method(new QLineEdit(this))
    , m_pattern(new QComboBox(this))
    , m_interval(new QDoubleSpinBox(this))
    , m_simulator(new QComboBox(this))
    , m_start(new QPushButton(tr("Start"), this))
    , m_stop(new QPushButton(tr("Stop"), this))
    , m_blackhole(new QPushButton(tr("Blackhole"), this))
    , m_latency(new QSpinBox(this))
    , m_reset(new QPushButton(tr("Reset now"), this))
    , m_status(new QLabel(this))
{
    auto* form = new QFormLayout(this);
    m_target->setObjectName(QStringLiteral("labTarget"));
    m_target->setPlaceholderText(tr("embedded test server"));
    m_target->setToolTip(tr("host:port of a gRPC server; empty runs the lab's embedded server on loopback"));
    auto* targetRow = new QHBoxLayout;
    targetRow->addWidget(m_target, 1);
    targetRow->addWidget(m_tls);
    form->addRow(tr("Target"), targetRow);
    m_tls->setToolTip(tr("Talk TLS to the target, verifying it against the system roots or the CA file below; "
                         "the embedded server then serves TLS. The run writes its key log and decrypts its own "
                         "traffic with it."));
    m_caFile->setPlaceholderText(tr("system roots"));
    m_caFile->setToolTip(tr("PEM file of the CA that signed the target's certificate; empty uses the system roots"));
    m_browseCa->setText(QStringLiteral("\u2026"));
    m_browseCa->setToolTip(tr("Choose the CA file"));
    auto* caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(m_browseCa);
    form->addRow(tr("CA file"), caRow);
    connect(m_browseCa, &QToolButton::clicked, this, [this] {
        const QString path = rememberFolder(QFileDialog::getOpenFileName(this, tr("CA certificate"),
            m_caFile->text().isEmpty() ? lastFolder() : m_caFile->text(),
            tr("PEM certificates (*.pem *.crt);;All files (*)")));
        if (!path.isEmpty())
            m_caFile->setText(path);
    });
    form->addRow(m_tlsFields);
    const auto enableTls = [this] {
        const bool on = m_tls->isChecked() && m_tls->isEnabled();
        m_caFile->setEnabled(on);
        m_browseCa->setEnabled(on);
        m_tlsFields->setMode(on, m_target->text().trimmed().isEmpty());
    };
    connect(m_tls, &QCheckBox::toggled, this, enableTls);
    connect(m_target, &QLineEdit::textChanged, this, enableTls);
    m_method->setPlaceholderText(QString::fromStdString(core::RpcPlan {}.method));
    m_method->setToolTip(tr("For your own target: the method called with an empty message (the embedded server "
                            "answers its own Echo methods)"));
    for (const auto p :
        { core::RpcPattern::Idle, core::RpcPattern::Unary, core::RpcPattern::Stream, core::RpcPattern::Bidi })
        m_pattern->addItem(QString::fromLatin1(core::rpcPatternName(p).data()), static_cast<int>(p));
    m_pattern->setToolTip(
        tr("idle: connect and stay quiet; unary: a call every interval; stream/bidi: one long-lived stream"));
    m_interval->setRange(0.05, 3600);
    m_interval->setValue(1.0);
    m_interval->setSuffix(tr(" s"));
    auto* patternRow = new QHBoxLayout;
    patternRow->addWidget(m_pattern, 1);
    patternRow->addWidget(m_interval);
    form->addRow(tr("RPC pattern"), patternRow);
    form->addRow(tr("Method"), m_method);
    m_simulator->addItem(tr("none (direct)"));
    for (const auto& e : core::builtinLbCatalogue())
        m_simulator->addItem(QString::fromStdString(e.profile.name) % u" ("
                % QString::fromStdString(core::formatDuration(e.profile.idleTimeoutS)) % u')',
            QString::fromStdString(e.profile.name));
    m_simulator->setToolTip(
        tr("Put the LB simulator in the path, playing this profile's idle timeout and expiry action"));
    form->addRow(tr("LB simulator"), m_simulator);
    auto* run = new QHBoxLayout;
    run->addWidget(m_start);
    run->addWidget(m_stop);
    form->addRow(run);
    m_blackhole->setCheckable(true);
    m_blackhole->setToolTip(tr("The simulator drops everything both ways (a dead path)"));
    m_reset->setToolTip(tr("The simulator resets the connection now"));
    m_latency->setRange(0, 10000);
    m_latency->setSuffix(tr(" ms latency"));
    m_latency->setToolTip(tr("Delay the simulator adds each way"));
    auto* faults = new QHBoxLayout;
    faults->addWidget(m_blackhole);
    faults->addWidget(m_latency);
    faults->addWidget(m_reset);
    form->addRow(tr("Faults"), faults);
    m_status->setObjectName(QStringLiteral("labStatus"));
    m_status->setWordWrap(true);
    form->addRow(m_status);

    connect(m_start, &QPushButton::clicked, this, &LabPanel::startRequested);
    connect(m_stop, &QPushButton::clicked, this, &LabPanel::stopRequested);
    connect(m_blackhole, &QPushButton::toggled, this, [this](bool on) {
        if (!m_session->fault(on ? LabSession::Fault::BlackholeOn : LabSession::Fault::BlackholeOff))
            setStatus(tr("Faults need the LB simulator in the path."));
    });
    connect(m_reset, &QPushButton::clicked, this, [this] {
        if (!m_session->fault(LabSession::Fault::Reset))
            setStatus(tr("Faults need the LB simulator in the path."));
    });
    connect(
        m_latency, &QSpinBox::valueChanged, this, [this](int ms) { m_session->fault(LabSession::Fault::Latency, ms); });
    setRunning(false);
    enableTls();
}

core::Experiment LabPanel::apply(core::Experiment ex) const
{
    const QString target = m_target->text().trimmed();
    ex.target.embedded = target.isEmpty();
    ex.target.address = target.toStdString();
    ex.target.tls = m_tls->isChecked();
    ex.target.caFile = ex.target.tls ? m_caFile->text().trimmed().toStdString() : std::string();
    m_tlsFields->apply(ex.target);
    ex.rpc.pattern = static_cast<core::RpcPattern>(m_pattern->currentData().toInt());
    ex.rpc.intervalS = m_interval->value();
    const QString method = m_method->text().trimmed();
    ex.rpc.method = method.isEmpty() ? core::RpcPlan {}.method : method.toStdString();
    const QString sim = m_simulator->currentData().toString();
    if (sim.isEmpty()) {
        ex.simulator.reset();
    } else if (sim == QLatin1String(kCustomSimulator)) {
        ex.simulator = m_customSimulator;
    } else {
        for (const auto& e : core::builtinLbCatalogue()) {
            if (QString::fromStdString(e.profile.name) == sim)
                ex.simulator = core::simulatorPlanFor(e);
        }
    }
    return ex;
}

void LabPanel::showExperiment(const core::Experiment& ex)
{
    m_target->setText(ex.target.embedded ? QString() : QString::fromStdString(ex.target.address));
    m_tls->setChecked(ex.target.tls);
    m_caFile->setText(QString::fromStdString(ex.target.caFile));
    m_tlsFields->show(ex.target);
    if (const int i = m_pattern->findData(static_cast<int>(ex.rpc.pattern)); i >= 0)
        m_pattern->setCurrentIndex(i);
    m_interval->setValue(ex.rpc.intervalS);
    m_method->setText(ex.rpc.method == core::RpcPlan {}.method ? QString() : QString::fromStdString(ex.rpc.method));

    if (const int old = m_simulator->findData(QLatin1String(kCustomSimulator)); old >= 0)
        m_simulator->removeItem(old);
    m_customSimulator.reset();
    if (!ex.simulator) {
        m_simulator->setCurrentIndex(0);
        return;
    }
    // The catalogue entry this plan was made from, if its values are still that entry's.
    for (const auto& e : core::builtinLbCatalogue()) {
        if (core::simulatorPlanFor(e) == *ex.simulator) {
            m_simulator->setCurrentIndex(m_simulator->findData(QString::fromStdString(e.profile.name)));
            return;
        }
    }
    m_customSimulator = ex.simulator;
    const QString name = ex.simulator->profile.empty() ? tr("custom") : QString::fromStdString(ex.simulator->profile);
    m_simulator->addItem(tr("%1 (%2, %3)")
                             .arg(name, QString::fromStdString(core::formatDuration(ex.simulator->idleTimeoutS)),
                                 QString::fromUtf8(core::lbExpiryActionName(ex.simulator->onExpiry))),
        QLatin1String(kCustomSimulator));
    m_simulator->setCurrentIndex(m_simulator->count() - 1);
}

void LabPanel::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
    m_blackhole->setEnabled(running);
    m_latency->setEnabled(running);
    m_reset->setEnabled(running);
    for (QWidget* w : std::initializer_list<QWidget*> {
             m_target, m_tls, m_caFile, m_browseCa, m_pattern, m_interval, m_method, m_simulator })
        w->setEnabled(!running);
    m_tlsFields->setEnabled(!running);
    if (!running) {
        m_caFile->setEnabled(m_tls->isChecked());
        m_browseCa->setEnabled(m_tls->isChecked());
        m_tlsFields->setMode(m_tls->isChecked(), m_target->text().trimmed().isEmpty());
    }
    if (!running) {
        QSignalBlocker b(m_blackhole);
        m_blackhole->setChecked(false);
        QSignalBlocker l(m_latency);
        m_latency->setValue(0);
    }
}

void LabPanel::setStatus(const QString& text)
{
    m_status->setText(text);
}

} // namespace ks::ui
