// The event table: rows appear as batches arrive, cells say what the CLI says, and the proxy
// filters by type and connection and sorts by time, connection and type.
#include "qtest_main.h"

#include "ui/event_filter_proxy.h"
#include "ui/event_store.h"
#include "ui/event_table_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

using namespace ks;

namespace {

core::Event makeEvent(std::int64_t relNs, std::uint32_t conn, core::EventType type)
{
    core::Event e;
    e.relNs = relNs;
    e.tsNs = 1'700'000'000'000'000'000 + relNs;
    e.conn = conn;
    e.type = type;
    return e;
}

ui::EventBatch batchOf(const std::vector<core::Event>& events)
{
    ui::EventBatchBuilder b;
    for (const auto& e : events)
        b.add(e);
    auto batch = b.take();
    batch.originNs = 1'700'000'000'000'000'000;
    batch.decimals = 6;
    return batch;
}

} // namespace

class TestEventTableModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rowsArriveWithBatchesAndCellsDescribeEvents()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

        auto ack = makeEvent(2'000'500'000, 1, core::EventType::PingAck);
        ack.opaque = 0x2a;
        ack.rttMs = 0.5;
        auto goaway = makeEvent(3'000'000'000, 1, core::EventType::Goaway);
        goaway.errorCode = 11;
        goaway.debug = "too_many_pings";
        store.append(batchOf(
            { makeEvent(0, 1, core::EventType::Syn), makeEvent(2'000'000'000, 1, core::EventType::Ping), ack }));
        store.append(batchOf({ goaway }));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(model.data(model.index(1, ui::EventTableModel::TypeColumn)).toString(), QStringLiteral("ping"));
        QCOMPARE(model.data(model.index(2, ui::EventTableModel::TimeColumn)).toString(), QStringLiteral("2.000500"));
        QVERIFY(model.data(model.index(2, ui::EventTableModel::DetailsColumn)).toString().contains(u"rtt=0.500 ms"_qs));
        const QString g = model.data(model.index(3, ui::EventTableModel::DetailsColumn)).toString();
        QVERIFY2(g.contains(u"ENHANCE_YOUR_CALM"_qs) && g.contains(u"too_many_pings"_qs), qPrintable(g));

        store.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void proxyFiltersByTypeAndConnectionAndSorts()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        ui::EventFilterProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        store.append(batchOf({ makeEvent(0, 1, core::EventType::Syn), makeEvent(10, 2, core::EventType::Syn),
            makeEvent(20, 1, core::EventType::Ping), makeEvent(30, 2, core::EventType::Ping),
            makeEvent(40, 2, core::EventType::Fin) }));
        QCOMPARE(proxy.rowCount(), 5);
        proxy.setTypeVisible(core::EventType::Syn, false);
        QCOMPARE(proxy.rowCount(), 3);
        proxy.setConnection(2u);
        QCOMPARE(proxy.rowCount(), 2);
        QCOMPARE(proxy.eventAt(0), std::size_t(3));
        QCOMPARE(proxy.rowForEvent(0), -1); // a SYN of connection 1: filtered out
        proxy.setAllTypesVisible();
        proxy.setConnection(std::nullopt);
        QCOMPARE(proxy.rowCount(), 5);

        proxy.sort(ui::EventTableModel::ConnColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.data(proxy.index(0, ui::EventTableModel::ConnColumn)).toUInt(), 2u);
        proxy.sort(ui::EventTableModel::TimeColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.eventAt(4), std::size_t(4));
        QCOMPARE(proxy.rowForEvent(2), 2);
    }
};

KS_QTEST_MAIN(TestEventTableModel)
#include "tst_event_table_model.moc"
