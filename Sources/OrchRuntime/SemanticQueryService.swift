import Foundation
import OrchSemantic
import OrchStore
import OrchWarehouse
import OrchPostgres

/// `orch query`: reads the latest catalog version from the warehouse,
/// resolves a question against it, and runs the SQL.
public struct SemanticQueryService: Sendable {
    public struct Answer: Sendable {
        public var sql: String
        public var columns: [String]
        /// Per column: whether its values are numbers (ints, floats, numeric).
        public var numeric: [Bool]
        public var rows: [[String?]]
    }

    let store: Store

    public init(store: Store) { self.store = store }

    /// The latest refreshed catalog.
    /// - Throws: `QueryError` when no refresh has stored one yet.
    public func catalog() async throws -> SemanticCatalog {
        let rows: [[String?]]
        do {
            rows = try await store.warehouse.rows("""
            SELECT version, catalog::text FROM \(SemanticCatalog.versionsTable) ORDER BY version DESC LIMIT 1
            """)
        } catch let error as WarehouseError where error.sqlState == .undefinedTable {
            rows = []
        }
        guard let row = rows.first, let json = row[1] else {
            throw RunSetupError("no semantic catalog yet: run a pipeline with a semantic_catalog task (e.g. `orch run pipelines/marketing.yml`)")
        }
        var catalog = try JSONDecoder().decode(SemanticCatalog.self, from: Data(json.utf8))
        catalog.version = Int(row[0] ?? "")
        return catalog
    }

    /// The SQL for `question` (with the command-line options applied), without running it.
    public func sql(for question: String, filter: String?, top: Int?, descending: Bool?) async throws -> String {
        let catalog = try await catalog()
        var query: SemanticQuery
        do {
            query = try QuestionParser.parse(question, catalog: catalog)
        } catch let error as QueryError {
            throw RunSetupError(error.description)
        }
        if let filter { query.filter = filter }
        if let top { query.top = top }
        if let descending { query.descending = descending }
        do {
            return try QueryBuilder.sql(for: query, catalog: catalog)
        } catch let error as QueryError {
            throw RunSetupError(error.description)
        }
    }

    /// Bounds on one answer: `orch query` is for people, not for exports.
    public static let maxRows = 10_000
    public static let timeout: Duration = .seconds(60)

    public func answer(_ question: String, filter: String? = nil, top: Int? = nil, descending: Bool? = nil) async throws -> Answer {
        let sql = try await sql(for: question, filter: filter, top: top, descending: descending)
        do {
            // `--where` is raw SQL from whoever types it: read-only, time-limited, and capped in rows.
            let capped = "SELECT * FROM (\n\(sql)\n) AS answer LIMIT \(Self.maxRows + 1)"
            let result = try await store.warehouse.withTransaction(timeout: Self.timeout, readOnly: true) { try await $0.typedTable(capped) }
            guard result.rows.count <= Self.maxRows else {
                throw RunSetupError("the answer has more than \(Self.maxRows) rows; ask for fewer (`top N`, a period, --where)\n\(sql)")
            }
            return Answer(sql: sql, columns: result.columns, numeric: result.numeric, rows: result.rows)
        } catch let error as WarehouseError {
            throw RunSetupError("the query failed: \(error)\n\(sql)")
        }
    }

    /// Metrics, dimensions and aliases, for `orch query --list`.
    public func listing() async throws -> String {
        let catalog = try await catalog()
        var lines = ["catalog version \(catalog.version ?? 0), refreshed \(catalog.refreshedAt ?? "?")", "", "metrics:"]
        for (table, m) in catalog.metrics.sorted(by: { $0.field.name < $1.field.name }) {
            lines.append("  \(m.name)  (\(table.name))" + (m.description.map { ": \($0)" } ?? ""))
        }
        lines += ["", "dimensions:"]
        for (table, d) in catalog.dimensions.sorted(by: { $0.field.name < $1.field.name }) { lines.append("  \(d.name)  (\(table.name))") }
        lines += ["", "aliases:"]
        for (alias, target) in catalog.aliases.sorted(by: { $0.key < $1.key }) { lines.append("  \(alias) → \(target)") }
        return lines.joined(separator: "\n")
    }
}
