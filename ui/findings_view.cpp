// Findings list and detail pane.
#include "findings_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ks::ui {

FindingsView::FindingsView(QWidget* parent)
    : QWidget(parent)
    , m_tree(new QTreeWidget(this))
    , m_detail(new QLabel(this))
    , m_apply(new QPushButton(tr("Apply to settings"), this))
    , m_addProfile(new QPushButton(tr("Add inferred profile"), this))
    , m_reproduce(new QPushButton(tr("Reproduce in lab"), this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tree->setHeaderLabels({ tr("Severity"), tr("Conn"), tr("Finding") });
    m_tree->setRootIsDecorated(false);
    m_tree->header()->setStretchLastSection(true);
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(m_tree, 3);
    layout->addWidget(m_detail, 1);
    m_apply->setToolTip(tr("Put this finding's setting changes into the settings editor"));
    m_addProfile->setToolTip(tr("Tick the load-balancer profile inferred from this capture"));
    m_reproduce->setToolTip(tr("Run the lab with this finding's load-balancer profile as the simulator and the "
                               "current settings"));
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_apply);
    actions->addWidget(m_addProfile);
    actions->addWidget(m_reproduce);
    actions->addStretch();
    layout->addLayout(actions);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (const auto* f = current())
            Q_EMIT applyRequested(*f);
    });
    connect(m_addProfile, &QPushButton::clicked, this, [this] {
        if (const auto* f = current())
            Q_EMIT addProfileRequested(*f);
    });
    connect(m_reproduce, &QPushButton::clicked, this, [this] {
        if (const auto* f = current())
            Q_EMIT reproduceRequested(*f);
    });
    updateActions();
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item)
            activate(m_tree->indexOfTopLevelItem(item));
    });
}

void FindingsView::setFindings(std::vector<core::Finding> findings)
{
    m_findings = std::move(findings);
    m_current = -1;
    m_tree->clear();
    m_detail->clear();
    updateActions();
    for (const auto& f : m_findings) {
        auto* item = new QTreeWidgetItem(m_tree);
        const auto icon = f.severity == core::Severity::Error ? QStyle::SP_MessageBoxCritical
            : f.severity == core::Severity::Warning           ? QStyle::SP_MessageBoxWarning
                                                              : QStyle::SP_MessageBoxInformation;
        item->setIcon(0, style()->standardIcon(icon));
        item->setText(0, QString::fromLatin1(core::severityName(f.severity).data()));
        item->setText(1, f.conn ? QString::number(*f.conn) : QStringLiteral("\u2013"));
        item->setText(2, QString::fromStdString(f.title));
        item->setToolTip(2, QString::fromStdString(f.detail));
    }
    m_tree->resizeColumnToContents(0);
    m_tree->resizeColumnToContents(1);
}

const core::Finding* FindingsView::current() const
{
    return m_current >= 0 && static_cast<std::size_t>(m_current) < m_findings.size()
        ? &m_findings[static_cast<std::size_t>(m_current)]
        : nullptr;
}

void FindingsView::updateActions()
{
    const auto* f = current();
    m_apply->setEnabled(f && !f->changes.empty());
    m_addProfile->setEnabled(f && f->inferredProfile);
    m_reproduce->setEnabled(f && (f->inferredProfile || (m_hasProfile && m_hasProfile(*f))));
}

int FindingsView::rowCount() const
{
    return m_tree->topLevelItemCount();
}

void FindingsView::activate(int row)
{
    if (row < 0 || static_cast<std::size_t>(row) >= m_findings.size())
        return;
    const auto& f = m_findings[static_cast<std::size_t>(row)];
    m_current = row;
    updateActions();
    QString text = u"<b>" % QString::fromStdString(f.title).toHtmlEscaped() % u"</b><br>"
        % QString::fromStdString(f.detail).toHtmlEscaped();
    if (!f.suggestion.empty())
        text += u"<br><b>" % tr("Suggestion:") % u"</b> " % QString::fromStdString(f.suggestion).toHtmlEscaped();
    if (!f.changes.empty()) {
        QStringList changes;
        for (const auto& c : f.changes)
            changes << QString::fromLatin1(core::settingSideName(c.side).data()) % u' '
                    % QString::fromStdString(c.setting) % u" = " % QString::number(c.value) % u' '
                    % QString::fromLatin1(core::settingUnitName(c.unit).data());
        text += u"<br><b>" % tr("Changes:") % u"</b> " % changes.join(u", "_qs).toHtmlEscaped();
    }
    if (!f.evidence.empty())
        text += u"<br><i>"
            % tr("%n evidence event(s) ringed on the timeline", nullptr, static_cast<int>(f.evidence.size())) % u"</i>";
    m_detail->setText(text);
    if (m_tree->currentItem() != m_tree->topLevelItem(row)) {
        QSignalBlocker block(m_tree);
        m_tree->setCurrentItem(m_tree->topLevelItem(row));
    }
    Q_EMIT evidenceRequested(f.evidence);
}

} // namespace ks::ui
