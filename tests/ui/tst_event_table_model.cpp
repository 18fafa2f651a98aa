// The event table: rows appear as batches arrive, cells say what the CLI says, and the proxy
// filters by type and connection and sorts by time, connection and type.
#include "qtest_main.h"

#include "ui/event_filter_proxy.h"
#include "ui/event_store.h"
#include "ui/event_table_model.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
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

        QSignalSpy finished(&proxy, &ui::EventFilterProxy::sortFinished);
        proxy.sort(ui::EventTableModel::ConnColumn, Qt::DescendingOrder);
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(proxy.data(proxy.index(0, ui::EventTableModel::ConnColumn)).toUInt(), 2u);
        proxy.sort(ui::EventTableModel::TimeColumn, Qt::AscendingOrder);
        QTRY_COMPARE(finished.count(), 2);
        QCOMPARE(proxy.eventAt(4), std::size_t(4));
        QCOMPARE(proxy.rowForEvent(2), 2);
        proxy.sort(-1); // capture order: at once
        QCOMPARE(finished.count(), 3);
        QCOMPARE(proxy.eventAt(1), std::size_t(1));
    }

    // A sort runs on a worker: sort() returns with the old order still shown, the new one lands
    // with one layout change; the selection stays on its event; filters apply to the sorted view.
    void sortIsAsynchronousAndFiltersKeepTheSortedOrder()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        ui::EventFilterProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const core::EventType types[]
            = { core::EventType::Ping, core::EventType::PingAck, core::EventType::Data, core::EventType::Headers };
        std::vector<core::Event> events;
        constexpr int n = 5000;
        for (int i = 0; i < n; ++i) // connection falls then cycles: the store order is not the sort order
            events.push_back(makeEvent(std::int64_t(i) * 1000, static_cast<std::uint32_t>((n - i) % 7), types[i % 4]));
        store.append(batchOf(events));
        QCOMPARE(proxy.rowCount(), n);

        QItemSelectionModel selection(&proxy);
        selection.setCurrentIndex(proxy.index(123, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        const QPersistentModelIndex kept = proxy.index(123, ui::EventTableModel::ConnColumn);

        QSignalSpy started(&proxy, &ui::EventFilterProxy::sortStarted);
        QSignalSpy finished(&proxy, &ui::EventFilterProxy::sortFinished);
        QSignalSpy layout(&proxy, &QAbstractItemModel::layoutChanged);
        proxy.sort(ui::EventTableModel::ConnColumn, Qt::AscendingOrder);
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.constFirst().at(2).value<qsizetype>(), qsizetype(n));
        QVERIFY(proxy.isSorting());
        QCOMPARE(proxy.eventAt(0), std::size_t(0)); // not applied yet: the GUI thread did not wait
        QCOMPARE(layout.count(), 0);
        QTRY_COMPARE(finished.count(), 1);
        QVERIFY(!proxy.isSorting());
        QCOMPARE(layout.count(), 1);
        QCOMPARE(finished.constFirst().at(0).toInt(), int(ui::EventTableModel::ConnColumn));

        const auto checkSorted = [&](int expectRows) {
            QCOMPARE(proxy.rowCount(), expectRows);
            for (int r = 1; r < proxy.rowCount(); ++r) {
                const auto& a = store.record(proxy.eventAt(r - 1));
                const auto& b = store.record(proxy.eventAt(r));
                QVERIFY2(std::tie(a.conn, a.relNs) < std::tie(b.conn, b.relNs), qPrintable(QString::number(r)));
                QCOMPARE(proxy.rowForEvent(proxy.eventAt(r)), r);
                QCOMPARE(proxy.data(proxy.index(r, ui::EventTableModel::ConnColumn)).toUInt(), b.conn);
            }
        };
        checkSorted(n);
        // The selection and persistent indexes followed their event.
        QCOMPARE(proxy.eventAt(kept.row()), std::size_t(123));
        QCOMPARE(proxy.eventAt(selection.currentIndex().row()), std::size_t(123));

        // Filtering the sorted view keeps it sorted, synchronously.
        proxy.setTypeVisible(core::EventType::Data, false);
        checkSorted(n - n / 4);
        for (int r = 0; r < proxy.rowCount(); ++r)
            QVERIFY(store.record(proxy.eventAt(r)).type != core::EventType::Data);
        QCOMPARE(proxy.eventAt(selection.currentIndex().row()), std::size_t(123)); // a HEADERS: still shown
        proxy.setConnection(3u);
        QVERIFY(!selection.currentIndex().isValid()); // event 123 is on connection 5: filtered out
        for (int r = 0; r < proxy.rowCount(); ++r)
            QCOMPARE(store.record(proxy.eventAt(r)).conn, 3u);
        QVERIFY(proxy.rowCount() > 0);
        checkSorted(proxy.rowCount());
        proxy.setConnection(std::nullopt);
        proxy.setAllTypesVisible();
        checkSorted(n);

        // Descending by type; ties keep (reversed) time order.
        proxy.sort(ui::EventTableModel::TypeColumn, Qt::DescendingOrder);
        QTRY_COMPARE(finished.count(), 2);
        for (int r = 1; r < n; ++r) {
            const auto& a = store.record(proxy.eventAt(r - 1));
            const auto& b = store.record(proxy.eventAt(r));
            QVERIFY(a.type > b.type || (a.type == b.type && a.relNs > b.relNs));
        }
    }

    void laterSortSupersedesOneStillComputing()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        ui::EventFilterProxy proxy;
        proxy.setSourceModel(&model);
        std::vector<core::Event> events;
        for (int i = 0; i < 20000; ++i)
            events.push_back(makeEvent(std::int64_t(i), static_cast<std::uint32_t>(i % 13),
                i % 2 ? core::EventType::Ping : core::EventType::Data));
        store.append(batchOf(events));
        QSignalSpy finished(&proxy, &ui::EventFilterProxy::sortFinished);
        QSignalSpy layout(&proxy, &QAbstractItemModel::layoutChanged);
        proxy.sort(ui::EventTableModel::ConnColumn, Qt::AscendingOrder);
        proxy.sort(ui::EventTableModel::TypeColumn, Qt::AscendingOrder);
        QTRY_VERIFY(!proxy.isSorting());
        QTest::qWait(50); // the first worker's result, if any, is dropped
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.constFirst().at(0).toInt(), int(ui::EventTableModel::TypeColumn));
        QCOMPARE(layout.count(), 1);
        QCOMPARE(proxy.sortColumn(), int(ui::EventTableModel::TypeColumn));
        QCOMPARE(store.record(proxy.eventAt(0)).type, core::EventType::Data);
        QCOMPARE(store.record(proxy.eventAt(19999)).type, core::EventType::Ping);
        QCOMPARE(proxy.eventAt(0), std::size_t(0));
        QCOMPARE(proxy.eventAt(10000), std::size_t(1));
    }

    // Live sources keep appending while the view is sorted: new rows show at once (at the end),
    // then a coalesced background re-sort puts them in place.
    void rowsAppendedWhileSortedAreShownThenPlaced()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        ui::EventFilterProxy proxy;
        proxy.setResortDelay(20);
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        store.append(batchOf({ makeEvent(0, 3, core::EventType::Syn), makeEvent(10, 1, core::EventType::Syn),
            makeEvent(20, 2, core::EventType::Syn) }));
        QSignalSpy finished(&proxy, &ui::EventFilterProxy::sortFinished);
        QSignalSpy started(&proxy, &ui::EventFilterProxy::sortStarted);
        proxy.sort(ui::EventTableModel::ConnColumn, Qt::AscendingOrder);
        // Appended while the sort computes, and after: both end up in place.
        store.append(batchOf({ makeEvent(30, 0, core::EventType::Ping) }));
        QCOMPARE(proxy.rowCount(), 4);
        QTRY_VERIFY(finished.count() >= 1); // the re-sort for the row that came meanwhile may follow at once
        store.append(batchOf({ makeEvent(40, 2, core::EventType::Ping), makeEvent(50, 1, core::EventType::Fin) }));
        QCOMPARE(proxy.rowCount(), 6);
        QTRY_COMPARE(proxy.eventAt(0), std::size_t(3));
        QTRY_COMPARE(proxy.eventAt(2), std::size_t(5));
        const std::size_t expected[] = { 3, 1, 5, 2, 4, 0 };
        for (int r = 0; r < 6; ++r)
            QCOMPARE(proxy.eventAt(r), expected[r]);
        QVERIFY(!proxy.isSorting());
        QCOMPARE(started.count(), 1); // re-sorts are quiet: no status message per batch

        // A filter hides new rows too, sorted or not.
        proxy.setTypeVisible(core::EventType::Ping, false);
        store.append(batchOf({ makeEvent(60, 0, core::EventType::Ping) }));
        QCOMPARE(proxy.rowCount(), 4);
        store.clear();
        QCOMPARE(proxy.rowCount(), 0);
    }

    // A big capture streaming in: batches keep coming faster than a sort of all rows takes. The
    // sort clicked meanwhile must finish while they come, not be restarted by each re-sort (it
    // waited for the end of a 1M-connection load, 70 s).
    void aSortFinishesWhileRowsKeepComing()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        ui::EventFilterProxy proxy;
        proxy.setResortDelay(1);
        proxy.setSourceModel(&model);
        std::vector<core::Event> events;
        for (std::uint32_t i = 0; i < 400000; ++i)
            events.push_back(makeEvent(i, (i * 7919u) % 1000u, core::EventType::Data));
        store.append(batchOf(events));
        QSignalSpy finished(&proxy, &ui::EventFilterProxy::sortFinished);
        proxy.sort(ui::EventTableModel::ConnColumn, Qt::AscendingOrder);
        QElapsedTimer clock;
        clock.start();
        std::int64_t next = 400000;
        while (finished.isEmpty() && clock.elapsed() < 10000) { // bounded: fails after 10 s
            store.append(batchOf({ makeEvent(next++, 1, core::EventType::Ping) }));
            QTest::qWait(2);
        }
        QVERIFY2(!finished.isEmpty(), "no sort finished while rows kept arriving");
        QCOMPARE(store.record(proxy.eventAt(0)).conn, 0u);
    }

    void sortsByDetailsOnAWorker()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        ui::EventFilterProxy proxy;
        proxy.setSourceModel(&model);
        std::vector<core::Event> events;
        for (int i = 0; i < 300; ++i) {
            auto e = makeEvent(i, 1, core::EventType::Data);
            e.stream = static_cast<std::uint32_t>((i * 37) % 101);
            e.length = static_cast<std::uint32_t>(i);
            events.push_back(e);
        }
        store.append(batchOf(events));
        QSignalSpy finished(&proxy, &ui::EventFilterProxy::sortFinished);
        proxy.sort(ui::EventTableModel::DetailsColumn, Qt::AscendingOrder);
        QTRY_COMPARE(finished.count(), 1);
        const auto details
            = [&](int r) { return proxy.data(proxy.index(r, ui::EventTableModel::DetailsColumn)).toString(); };
        for (int r = 1; r < proxy.rowCount(); ++r)
            QVERIFY2(details(r - 1) <= details(r), qPrintable(details(r - 1) + u" > "_qs + details(r)));
    }

    // More rows than one copy slice (131,072), rows whose details are empty (SYN) first, and
    // ties: sorted like QString sorts, equal texts in capture order.
    void sortsManyRowsByDetailsWithEmptyTextsAndTies()
    {
        ui::EventStore store;
        ui::EventTableModel model(&store);
        ui::EventFilterProxy proxy;
        proxy.setSourceModel(&model);
        std::vector<core::Event> events;
        const int rows = 140'000;
        for (int i = 0; i < rows; ++i) {
            const auto type
                = i < 5 ? core::EventType::Syn : (i % 3 ? core::EventType::Data : core::EventType::WindowUpdate);
            auto e = makeEvent(i, 1, type);
            e.stream = static_cast<std::uint32_t>(i) * 7919u % 13u;
            e.length = static_cast<std::uint32_t>(i) * 104729u % 50u;
            events.push_back(e);
        }
        store.append(batchOf(events));
        QSignalSpy finished(&proxy, &ui::EventFilterProxy::sortFinished);
        proxy.sort(ui::EventTableModel::DetailsColumn, Qt::AscendingOrder);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(proxy.rowCount(), rows);
        QString previous = proxy.data(proxy.index(0, ui::EventTableModel::DetailsColumn)).toString();
        QVERIFY(previous.isEmpty()); // the SYNs' empty text sorts first
        for (int r = 1; r < rows; ++r) {
            const QString text = proxy.data(proxy.index(r, ui::EventTableModel::DetailsColumn)).toString();
            QVERIFY2(previous <= text, qPrintable(previous + u" > "_qs + text));
            if (previous == text)
                QVERIFY(proxy.eventAt(r - 1) < proxy.eventAt(r));
            previous = text;
        }
    }
};

KS_QTEST_MAIN(TestEventTableModel)
#include "tst_event_table_model.moc"
