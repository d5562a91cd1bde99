import Foundation
import OrchExecution
import OrchSemantic
import OrchSpec
import OrchWarehouse

/// `kind: semantic_catalog`: refreshes the semantic catalog. Reads the
/// catalog file, checks every metric, dimension and join against the live
/// tables with a real query (a failure names the metric and Postgres'
/// error), adds row counts, freshness and column profiles, and stores the
/// whole catalog as a new version in `semantic.catalog_versions`, where a
/// client reads it with one query (`orch query` does).
///
/// Fields: `path` (the catalog file, relative to the pipeline).
public struct SemanticCatalogTask: WarehouseTaskKind {
    public static let name = "semantic_catalog"
    public static let versionsTable = SemanticCatalog.versionsTable

    var catalog: SemanticCatalog
    var file: String

    public var datasets: (reads: [String], writes: [String]) { (catalog.tables.map(\.relation), [Self.versionsTable]) }

    public static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> SemanticCatalogTask? {
        guard let path = options.requiredString("path", hint: "the catalog file, e.g. marketing/catalog.yml") else { return nil }
        let file = environment.resolve(path)
        guard let catalog = options.loading("path", { try CatalogFile.load(path: file) }) else { return nil }
        return SemanticCatalogTask(catalog: catalog, file: file)
    }

    public func run(_ context: TaskContext, warehouse: Warehouse) async throws -> TaskOutput {
        var refreshed = catalog
        var problems: [String] = []
        let version: Int = try await {
            do {
                return try await warehouse.withTransaction(timeout: context.timeout) { session -> Int in
                    for (t, table) in catalog.tables.enumerated() {
                        guard let (schema, name) = SQLName.qualified(table.relation),
                              try await session.relationKind(schema: schema, name: name) != nil else {
                            if table.optional == true {
                                context.log.write("\(table.name): \(table.relation) does not exist yet (optional); not checked")
                            } else {
                                problems.append("table `\(table.name)`: \(table.relation) does not exist")
                            }
                            continue
                        }
                        let from = "\(SQLName.quote(schema)).\(SQLName.quote(name)) AS \(table.name)"
                        // Each check in a savepoint, so one failure does not hide the others.
                        func check(_ what: String, _ sql: String) async -> Bool {
                            do {
                                try await session.execute("SAVEPOINT orch_check")
                                _ = try await session.rows(sql)
                                try await session.execute("RELEASE SAVEPOINT orch_check")
                                return true
                            } catch {
                                try? await session.execute("ROLLBACK TO SAVEPOINT orch_check")
                                problems.append("\(what) (table \(table.name)): \(error)")
                                return false
                            }
                        }
                        // The metrics together, over the data: one scan of the table, not one per metric.
                        // Only if that fails, each alone, to name the ones that do not run.
                        // As `orch query` writes them (`sql AS name`): what passes here runs there.
                        let together = table.metrics.map { "\($0.sql) AS \(SQLName.quote($0.name))" }.joined(separator: ",\n")
                        let count = problems.count
                        if !table.metrics.isEmpty, await !check("metrics", "SELECT \(together) FROM \(from)") {
                            problems.removeSubrange(count...)
                            for m in table.metrics { _ = await check("metric `\(m.name)`", "SELECT \(m.sql) FROM \(from)") }
                        }
                        for d in table.dimensions { _ = await check("dimension `\(d.name)`", "SELECT \(d.sql) FROM \(from) LIMIT 1") }
                        for j in table.joins {
                            if let other = catalog.table(j.to) {
                                _ = await check("join `\(table.name)` → `\(j.to)`", "SELECT 1 FROM \(from) JOIN \(other.relation) AS \(other.name) ON \(j.on) LIMIT 1")
                            }
                        }
                        let profile = try await Self.profile(table, from: from, session: session)
                        refreshed.tables[t].rowCount = profile.rows
                        refreshed.tables[t].freshness = profile.freshness
                        refreshed.tables[t].columns = profile.columns
                        context.log.write("\(table.name): \(profile.rows) rows, newest \(profile.freshness ?? "-"), "
                                          + "\(table.metrics.count) metrics, \(table.dimensions.count) dimensions")
                    }
                    guard problems.isEmpty else { return 0 }
                    refreshed.refreshedAt = Date().ISO8601Format()
                    let json = String(decoding: try JSONEncoder().encode(refreshed), as: UTF8.self)
                    try await session.execute("""
                    CREATE SCHEMA IF NOT EXISTS semantic;
                    CREATE TABLE IF NOT EXISTS \(Self.versionsTable) (
                        version bigserial PRIMARY KEY, run_id text NOT NULL, refreshed_at timestamptz NOT NULL DEFAULT now(),
                        catalog jsonb NOT NULL)
                    """)
                    let row = try await session.rows("""
                    INSERT INTO \(Self.versionsTable) (run_id, catalog) VALUES (\(SQLName.literal(context.runID)), \(SQLName.literal(json))::jsonb)
                    RETURNING version
                    """)
                    return Int(row.first?.first.flatMap { $0 } ?? "0") ?? 0
                }
            } catch let error as WarehouseError {
                throw error.taskFailure(doing: "refreshing the catalog")
            }
        }()
        guard problems.isEmpty else {
            for p in problems { context.log.write(p) }
            throw TaskFailure(.catalog, "\(problems.count) catalog definition(s) do not run against the warehouse (\(file)): "
                              + problems.joined(separator: "; "), retryable: false)
        }
        let metrics = catalog.tables.reduce(0) { $0 + $1.metrics.count }, dimensions = catalog.tables.reduce(0) { $0 + $1.dimensions.count }
        context.log.write("stored catalog version \(version) in \(Self.versionsTable)")
        return TaskOutput(summary: "catalog version \(version): \(catalog.tables.count) tables, \(metrics) metrics, \(dimensions) dimensions",
                          facts: ["version": String(version), "tables": String(catalog.tables.count), "metrics": String(metrics),
                                  "dimensions": String(dimensions)],
                          lineage: catalog.tables.map { LineageEdge(source: $0.relation, target: Self.versionsTable) })
    }

    /// Row count, newest date and per-column null share, distinct count, min and max, in one query.
    static func profile(_ table: SemanticCatalog.Table, from: String, session: WarehouseSession) async throws
        -> (rows: Int, freshness: String?, columns: [SemanticCatalog.ColumnProfile]) {
        let (schema, name) = SQLName.qualified(table.relation)!
        let columns = try await session.rows("""
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = \(SQLName.literal(schema)) AND table_name = \(SQLName.literal(name)) ORDER BY ordinal_position
        """).map { ($0[0] ?? "", $0[1] ?? "") }
        var selects = ["count(*)", table.dateColumn.map { "max(\(table.name).\(SQLName.quote($0)))::text" } ?? "NULL::text"]
        for (column, type) in columns {
            let c = "\(table.name).\(SQLName.quote(column))"
            let orderable: Bool = !["json", "jsonb", "ARRAY", "USER-DEFINED"].contains(type)
            let value: String = type == "boolean" ? c + "::int" : c
            let low: String = orderable ? "min(" + value + ")::text" : "NULL::text"
            let high: String = orderable ? "max(" + value + ")::text" : "NULL::text"
            selects.append("count(" + c + ")")
            selects.append("count(DISTINCT " + c + ")")
            selects.append(low)
            selects.append(high)
        }
        let row = try await session.rows("SELECT \(selects.joined(separator: ", ")) FROM \(from)").first ?? []
        let total = Int(row.first.flatMap { $0 } ?? "0") ?? 0
        var profiles: [SemanticCatalog.ColumnProfile] = []
        for (n, (column, type)) in columns.enumerated() {
            let base = 2 + n * 4
            let nonNull: Int = Int(row[base] ?? "0") ?? 0
            let distinct: Int = Int(row[base + 1] ?? "0") ?? 0
            let nullShare: Double = total == 0 ? 0 : Double(total - nonNull) / Double(total)
            profiles.append(SemanticCatalog.ColumnProfile(name: column, type: type, nullShare: nullShare, distinctCount: distinct,
                                                          min: row[base + 2], max: row[base + 3]))
        }
        return (total, row.count > 1 ? row[1] : nil, profiles)
    }
}
