import Testing
import OrchPostgres
import OrchTestSupport
@testable import OrchWarehouse

/// The one upsert / incremental merge, against a real PostgreSQL.
@Suite("upsert and merge, against a real PostgreSQL")
struct UpsertTests {
    static let target = WarehouseTable(schema: "s", table: "t")

    /// Upserts `source` rows (id, v, line) into s.t, which holds (1, a) and (2, b) keyed on id;
    /// returns the counts and s.t afterwards.
    static func upsert(_ source: String, key: [String] = ["id"], duplicates: DuplicateKeys,
                       rule: ConflictRule) async throws -> (UpsertCounts, [[String?]]) {
        let url = try await TestDatabase.fresh()
        return try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: """
            CREATE SCHEMA s; CREATE TABLE s.t (id int, v text); INSERT INTO s.t VALUES (1, 'a'), (2, 'b');
            CREATE TABLE s.src (id int, v text, line int); INSERT INTO s.src VALUES \(source)
            """)
            let counts = try await warehouse.withTransaction { session in
                try await session.ensureUniqueKey(Self.target, key: ["id"])
                return try await session.upsert(into: Self.target, from: "s.src", columns: ["id", "v"], key: key,
                                                duplicates: duplicates, onConflict: rule)
            }
            return (counts, try await warehouse.rows("SELECT id, v FROM s.t ORDER BY id"))
        }
    }

    @Test("overwrite only what changed: counts new and changed rows, the latest line of a key wins")
    func merge() async throws {
        let (counts, rows) = try await Self.upsert("(1, 'a', 1), (2, 'x', 2), (2, 'B', 3), (3, 'c', 4)",
                                                   duplicates: .latest(by: "line"), rule: .overwrite(onlyChanged: true))
        #expect(counts == UpsertCounts(inserted: 1, updated: 1))
        #expect(rows == [["1", "a"], ["2", "B"], ["3", "c"]])
    }

    @Test("keep stored rows: only new keys go in, once")
    func keep() async throws {
        let (counts, rows) = try await Self.upsert("(2, 'x', 1), (4, 'd', 2), (4, 'd', 3)", duplicates: .anyOne, rule: .keepStored)
        #expect(counts == UpsertCounts(inserted: 1, updated: 0))
        #expect(rows == [["1", "a"], ["2", "b"], ["4", "d"]])
    }

    @Test("no key: a plain append")
    func append() async throws {
        let (counts, rows) = try await Self.upsert("(5, 'e', 1)", key: [], duplicates: .anyOne, rule: .keepStored)
        #expect(counts.inserted == 1)
        #expect(rows.count == 3)
    }
}
