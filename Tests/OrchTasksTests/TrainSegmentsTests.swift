import Foundation
import Testing
import OrchExecution
import OrchSampleData
import OrchStore
import OrchTestSupport
@testable import OrchTasks

@Suite("train_segments on the generated data, against a real PostgreSQL")
struct TrainSegmentsTests {
    static func features(order: String) -> String {
        """
        query: |
          with orders as (
              select customer_id, transaction_id, min(transaction_date) as day, sum(quantity * avg_price) as net
              from raw.sales group by customer_id, transaction_id
          )
          select customer_id, (date '2020-01-01' - max(day)) as recency_days, count(*) as frequency,
                 sum(net) as monetary, round(sum(net) / count(*), 2) as avg_order_value
          from orders group by customer_id order by \(order)
        table: analytics.segments
        """
    }

    @Test("5 non-empty segments covering every customer; the same twice; row order changes nothing")
    func segments() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try await SampleFixture.write(to: dir)
                let load = try makeBody("kind: csv_extract\nfile: Online_Sales.csv\ntable: raw.sales\ncolumns: { transaction_date: { type: date, format: M/D/YYYY } }",
                                        directory: dir, warehouse: store.warehouse)
                _ = try await load.run(try context(dir))
                func train(_ order: String, attempt: Int) async throws -> (TaskOutput, [[String?]]) {
                    let body = try makeBody("kind: train_segments\n" + Self.features(order: order), directory: dir, warehouse: store.warehouse)
                    let output = try await body.run(try context(dir, attempt: attempt))
                    return (output, try await store.warehouse.rows("SELECT customer_id, segment_id, segment_name FROM analytics.segments ORDER BY customer_id"))
                }
                let (first, rows) = try await train("customer_id", attempt: 1)
                #expect(rows.count == 1_468)
                let sizes = Dictionary(grouping: rows, by: { $0[2] ?? "" }).mapValues(\.count)
                #expect(sizes.count == 5)
                #expect(Set(sizes.keys) == ["Champions (VIPs)", "Loyal Customers", "Big Spenders", "Occasional Shoppers", "At-Risk (Lapsing)"])
                #expect(sizes.values.allSatisfy { $0 > 0 })
                #expect(first.facts["k"] == "5")
                #expect(Double(first.facts["silhouette"] ?? "0")! > 0.2)
                #expect(first.facts["segments"]?.contains("\"centroid\"") == true)
                let (second, again) = try await train("customer_id", attempt: 2)
                #expect(again == rows)
                #expect(second.facts["inertia"] == first.facts["inertia"])
                let (_, shuffled) = try await train("random()", attempt: 3)
                #expect(shuffled == rows, "the same customers keep the same names whatever the row order")
            }
        }
    }

    @Test("a features query of the wrong shape fails clearly")
    func badQuery() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                let body = try makeBody("kind: train_segments\nquery: select 1 as a, 2 as b\ntable: analytics.s", directory: dir, warehouse: store.warehouse)
                await #expect(throws: TaskFailure.self) { try await body.run(try context(dir)) }
                #expect(throws: SpecError.self) { try makeBody("kind: train_segments\nquery: select 1\ntable: analytics.s\nk: 1") }
            }
        }
    }
}

import OrchSpec
import OrchWarehouse
