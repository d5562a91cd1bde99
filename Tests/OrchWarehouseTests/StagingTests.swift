import Testing
import OrchPostgres
import OrchTestSupport
@testable import OrchWarehouse
import OrchExecution

/// The one staging and swap, against a real PostgreSQL, through a warehouse
/// built from a URL (no store).
@Suite("table replacement and keys, against a real PostgreSQL")
struct StagingTests {
    static let target = WarehouseTable(schema: "s", table: "t")

    @Test("names: staging table and key index derive from the target")
    func names() {
        #expect(Self.target.relation == "\"s\".\"t\"")
        #expect(Self.target.stagingRelation == "\"s\".\"t__orch_new\"")
        #expect(Self.target.keyIndexName == "t_orch_key")
    }

    @Test("replace builds under the staging name, swaps in, and keeps views on the old table")
    func replace() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: "CREATE SCHEMA s; CREATE TABLE s.t (x int); INSERT INTO s.t VALUES (1); CREATE VIEW s.v AS SELECT * FROM s.t")
            // A staging table left by a stopped attempt does not get in the way.
            try await warehouse.execute(script: "CREATE TABLE s.t__orch_new (junk text)")
            let built = try await warehouse.withTransaction { session in
                try await session.replace(Self.target) { staging in
                    try await session.execute("CREATE TABLE \(staging) AS SELECT 2 AS x UNION ALL SELECT 3")
                    return staging
                }
            }
            #expect(built == Self.target.stagingRelation)
            #expect(try await warehouse.rows("SELECT string_agg(x::text, ',' ORDER BY x) FROM s.v") == [["2,3"]])
            #expect(try await warehouse.rows("SELECT count(*) FROM pg_class WHERE relname = 't__orch_new'") == [["0"]])
        }
    }

    @Test("a build that fails leaves the target as it was")
    func failedBuild() async throws {
        struct Refused: Error {}
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: "CREATE SCHEMA s; CREATE TABLE s.t (x int); INSERT INTO s.t VALUES (1)")
            await #expect(throws: Refused.self) {
                try await warehouse.withTransaction { session in
                    try await session.replace(Self.target) { staging in
                        try await session.execute("CREATE TABLE \(staging) (x int)")
                        throw Refused()
                    }
                }
            }
            #expect(try await warehouse.rows("SELECT x FROM s.t") == [["1"]])
        }
    }

    @Test("the key index is created once and enforces the key; the temporary schema is COPY-able")
    func key() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: "CREATE SCHEMA s; CREATE TABLE s.t (id int, v text)")
            try await warehouse.withTransaction { session in
                try await session.ensureUniqueKey(Self.target, key: ["id"])
                try await session.ensureUniqueKey(Self.target, key: ["id"])
                #expect(try await session.temporarySchema().hasPrefix("pg_temp"))
            }
            try await warehouse.execute(script: "INSERT INTO s.t VALUES (1, 'a')")
            do {
                try await warehouse.execute(script: "INSERT INTO s.t VALUES (1, 'b')")
                Issue.record("a duplicate key was accepted")
            } catch let error as WarehouseError {
                #expect(error.sqlState == .uniqueViolation)
                #expect(!error.taskFailure(doing: nil).retryable)
            }
        }
    }
}
