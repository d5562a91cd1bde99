import Foundation
import OrchExecution
import OrchSegments
import OrchSpec
import OrchWarehouse

/// `kind: train_segments`: RFM segmentation with k-means. Reads one row per
/// entity (an id and numeric features) from `query`, standardises the
/// features, runs k-means (k-means++ seeding, `n_init` restarts, fixed
/// `seed`), names the clusters from their centroids by rule, and writes
/// `table(<id>, segment_id, segment_name)` atomically. The model (k, seed,
/// inertia, silhouette, sizes, centroids in original units) is recorded with
/// the attempt.
///
/// Fields: `query` (SQL: the id column first, then recency_days, frequency,
/// monetary, avg_order_value), `table`, `k` (a number or `auto`: best
/// silhouette for k in 2…8), `n_init` (10), `max_iter` (300), `tol` (1e-4),
/// `seed` (42).
public struct TrainSegmentsTask: WarehouseTaskKind {
    public static let name = "train_segments"

    var query: String
    var schema: String
    var table: String
    var k: Int?
    var configuration: KMeans.Configuration

    public var datasets: (reads: [String], writes: [String]) { ([], ["\(schema).\(table)"]) }

    public static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> TrainSegmentsTask? {
        let query = options.requiredString("query", hint: "SQL returning the id column, then recency_days, frequency, monetary, avg_order_value")
        let tableText = options.requiredString("table", hint: "where the segments go, e.g. analytics.customer_segments")
        let qualified = tableText.flatMap { SQLName.qualified($0) }
        if tableText != nil && qualified == nil {
            options.report("`table` must be `schema.table`", at: options.raw("table")!.location)
        }
        var configuration = KMeans.Configuration()
        var k: Int? = 5
        if let text = options.string("k") {
            if let count = SegmentCount(text) { k = count.k } else {
                options.report("`k` must be \(SegmentCount.expected), found `\(text)`", at: options.raw("k")!.location)
            }
        }
        if let n = options.int("n_init", min: 1) { configuration.restarts = n }
        if let n = options.int("max_iter", min: 1) { configuration.maxIterations = n }
        if let t = options.double("tol") { configuration.tolerance = t }
        if let s = options.int("seed", min: 0) { configuration.seed = UInt64(s) }
        guard let query, let qualified else { return nil }
        return TrainSegmentsTask(query: query, schema: qualified.schema, table: qualified.table, k: k,
                                 configuration: configuration)
    }

    public func run(_ context: TaskContext, warehouse: Warehouse) async throws -> TaskOutput {
        let (columns, rows): ([String], [[String?]])
        do {
            (columns, rows) = try await warehouse.withTransaction(timeout: context.timeout) { try await $0.table(query) }
        } catch let error as WarehouseError {
            throw error.taskFailure(doing: "the features query")
        }
        guard columns.count == 5 else {
            throw TaskFailure(.features, "the features query returns \(columns.count) column(s) (\(columns.joined(separator: ", "))); "
                              + "it must return the id, then recency_days, frequency, monetary, avg_order_value", retryable: false)
        }
        // Sorted by id: the answer must not depend on the order rows arrive in.
        var entities: [(id: String, features: [Double])] = []
        for row in rows {
            guard let id = row[0], case let values = row.dropFirst().compactMap({ $0.flatMap(Double.init) }).filter(\.isFinite), values.count == 4 else {
                throw TaskFailure(.features, "a features row has an empty or non-numeric value: \(row.map { $0 ?? "NULL" })", retryable: false)
            }
            entities.append((id, values))
        }
        entities = SegmentModel.ordered(entities) { $0.id }
        guard entities.count >= 10 else {
            throw TaskFailure(.features, "only \(entities.count) rows to segment; at least 10 are needed", retryable: false)
        }
        let started = ContinuousClock.now
        let model = SegmentModel.train(entities.map(\.features), k: k, configuration: configuration)
        let elapsed = ContinuousClock.now - started
        context.log.write("k-means: k=\(model.k), \(configuration.restarts) restarts, inertia \(model.inertia), silhouette \(model.silhouette), in \(elapsed)")
        for (n, name) in model.names.enumerated() {
            let c = model.centroids[n].map { String(format: "%.2f", $0) }.joined(separator: ", ")
            context.log.write("  \(name): \(model.sizes[n]) customers, centroid (recency, frequency, monetary, aov) = (\(c))")
        }

        var chunk: [UInt8] = []
        for (i, entity) in entities.enumerated() {
            let name = model.names[model.labels[i]]
            COPYText.appendRow([entity.id, String(SegmentNaming.id(of: name)), name], to: &chunk)
        }
        let idColumn = columns[0]
        do {
            try await warehouse.ensureSchema(schema)
            let target = WarehouseTable(schema: schema, table: table)
            try await warehouse.withTransaction(timeout: context.timeout) { session in
                try await session.replace(target) { staging in
                    try await session.execute("""
                    CREATE TABLE \(staging) (\(SQLName.quote(idColumn)) bigint PRIMARY KEY, segment_id int NOT NULL, segment_name text NOT NULL)
                    """)
                    try await session.copy(schema: schema, table: target.stagingName, columns: [idColumn, "segment_id", "segment_name"], chunks: [chunk])
                }
            }
        } catch let error as WarehouseError {
            throw error.taskFailure(doing: "writing \(schema).\(table)")
        }
        let summary = zip(model.names, model.sizes).sorted { SegmentNaming.id(of: $0.0) < SegmentNaming.id(of: $1.0) }
            .map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        return TaskOutput(summary: "k=\(model.k), silhouette \(String(format: "%.3f", model.silhouette)): \(summary)",
                          facts: model.facts(seed: configuration.seed, restarts: configuration.restarts, elapsed: elapsed))
    }
}
