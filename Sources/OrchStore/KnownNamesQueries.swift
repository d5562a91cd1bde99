import Foundation
import OrchExecution
import PostgresNIO

extension RunRepository {
    public func knownNames(_ kind: KnownNameKind) async throws -> [String] {
        switch kind {
        case .pipeline: try await distinct("pipeline", in: "orch.runs")
        case .testedModel: try await distinct("model", in: "orch.test_results")
        case .dataset: Set(try await distinct("target", in: "orch.lineage") + distinct("source", in: "orch.lineage")).sorted()
        }
    }

    /// The distinct values of an indexed column, one index probe per value
    /// (a loose index scan): with 100,000 runs of a few pipelines this reads a
    /// few index pages, where `SELECT DISTINCT` would read every row.
    /// `column` and `table` are orch's own constants, never user input.
    private func distinct(_ column: StaticString, in table: StaticString) async throws -> [String] {
        let rows = try await client.query("""
        WITH RECURSIVE v(name) AS (
            SELECT min(\(unescaped: "\(column)")) FROM \(unescaped: "\(table)")
            UNION ALL
            SELECT (SELECT min(\(unescaped: "\(column)")) FROM \(unescaped: "\(table)") WHERE \(unescaped: "\(column)") > v.name)
            FROM v WHERE v.name IS NOT NULL
        )
        SELECT name FROM v WHERE name IS NOT NULL LIMIT 10000
        """, logger: store.logger)
        var out: [String] = []
        for try await name in rows.decode(String.self) { out.append(name) }
        return out
    }
}
