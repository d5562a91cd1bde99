import Foundation
import Logging
import Testing
import OrchPostgres
import OrchTestSupport
@testable import OrchWarehouse

/// A one-statement read runs on a read-only session as one round trip; a
/// statement that turns out to write is refused there before writing and
/// runs in a transaction, once. Against a real PostgreSQL.
@Suite("one-statement reads on a read-only session, against a real PostgreSQL")
struct ReadOnlyStatementTests {
    /// The `application_name` of the session running `statement` (which
    /// sleeps in `pg_sleep(1)`), seen from another connection meanwhile.
    static func sessionRunning(_ statement: String, on warehouse: Warehouse) async throws -> String? {
        async let ran: Void = warehouse.execute(script: statement)
        var seen: String?
        for _ in 0..<200 where seen == nil {
            try await Task.sleep(for: .milliseconds(20))
            seen = try await warehouse.rows("""
            SELECT application_name FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid() AND datname = current_database()
            """).first?.first ?? nil
        }
        try await ran
        return seen
    }

    @Test("a select runs on the read-only session (a comment before it too); a write runs in a transaction on the main pool")
    func whereStatementsRun() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: "CREATE TABLE t (x int)")
            #expect(try await Self.sessionRunning("select pg_sleep(1)", on: warehouse) == ReadOnlyPool.applicationName)
            #expect(try await Self.sessionRunning("/* a comment first */ select pg_sleep(1)", on: warehouse) == ReadOnlyPool.applicationName)
            #expect(try await Self.sessionRunning("insert into t select 1 from pg_sleep(1)", on: warehouse) == "")
            #expect(try await warehouse.rows("SELECT count(*) FROM t") == [["1"]])
        }
    }

    @Test("a read that writes after all (a data-modifying WITH, a writing function, nextval, SELECT INTO) runs once, in a transaction")
    func writersRunOnce() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: """
            CREATE TABLE t (x int); CREATE SEQUENCE s;
            CREATE FUNCTION add_row(v int) RETURNS int LANGUAGE sql AS $$ INSERT INTO t VALUES (v) RETURNING v $$
            """)
            try await warehouse.execute(script: "with w as (insert into t values (1) returning x) select * from w")
            try await warehouse.execute(script: "select add_row(2)")
            try await warehouse.execute(script: "select nextval('s')")
            try await warehouse.execute(script: "select * into copied from t")
            // Again, now known to write: straight to the transaction.
            try await warehouse.execute(script: "select add_row(3)")
            #expect(try await warehouse.rows("SELECT x FROM t ORDER BY x") == [["1"], ["2"], ["3"]])
            #expect(try await warehouse.rows("SELECT last_value FROM s") == [["1"]])
            #expect(try await warehouse.rows("SELECT count(*) FROM copied") == [["2"]])
        }
    }

    @Test("an error in a read names its line and keeps Postgres' message")
    func errorsKeepTheirLine() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            do {
                try await warehouse.execute(script: "-- first\n\nselect 1 / 0")
                Issue.record("division by zero succeeded")
            } catch let error as WarehouseError {
                #expect(error.line == 3)
                #expect(error.message.contains("division by zero"))
            }
        }
    }

    @Test("a stopped read ends in the server too, soon after the stop")
    func stopEndsTheStatement() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            let started = ContinuousClock.now
            let reading = Task { try await warehouse.execute(script: "select pg_sleep(30)") }
            try await Task.sleep(for: .milliseconds(300))
            reading.cancel()
            await #expect(throws: CancellationError.self) { try await reading.value }
            #expect(ContinuousClock.now - started < .seconds(10))
            var left = 1
            for _ in 0..<200 where left > 0 {
                try await Task.sleep(for: .milliseconds(50))
                left = Int(try await warehouse.rows("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'select pg_sleep(30)' AND datname = current_database()")[0][0] ?? "") ?? -1
            }
            #expect(left == 0, "the server still runs the stopped statement")
        }
    }
}

@Suite("the read-only pool's server check")
struct ReadOnlyPoolSupportTests {
    struct Unreachable: Error {}

    @Test("used from PostgreSQL 14 (client_connection_check_interval); asked once; a failed ask is asked again")
    func versions() async throws {
        let url = DatabaseURL(user: "u", database: "d", host: "/nonexistent")
        let old = ReadOnlyPool(url: url, logger: .init(label: "t"))
        #expect(await old.isSupported(asking: { 130_012 }) == false)
        #expect(await old.isSupported(asking: { 150_000 }) == false, "the first answer is kept")
        let new = ReadOnlyPool(url: url, logger: .init(label: "t"))
        #expect(await new.isSupported(asking: { throw Unreachable() }) == false)
        #expect(await new.isSupported(asking: { 140_000 }) == true)
        #expect(await new.isSupported(asking: { throw Unreachable() }) == true)
    }
}
