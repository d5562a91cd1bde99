import Foundation
import Logging
import Testing
import OrchPostgres
import OrchTestSupport
@testable import OrchWarehouse

/// A script declared read-only may not write; one statement of it runs on a
/// read-only session as one round trip. Against a real PostgreSQL.
@Suite("read-only scripts, against a real PostgreSQL")
struct ReadOnlyStatementTests {
    /// Waits (bounded) until a statement containing `marker` runs in another
    /// session of this database, and returns that session's `application_name`.
    static func sessionRunning(_ marker: String, on warehouse: Warehouse) async throws -> String? {
        for _ in 0..<500 {
            if let name = try await warehouse.rows("""
            SELECT application_name FROM pg_stat_activity
            WHERE state = 'active' AND query LIKE \(SQLName.literal("%\(marker)%")) AND pid <> pg_backend_pid() AND datname = current_database()
            """).first?.first ?? nil {
                return name
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Where `script` runs (`application_name` of its session): it waits
    /// for an advisory lock this test holds until it has seen the script
    /// running, so a loaded machine cannot make the probe miss it.
    static func whereRuns(_ script: String, readOnly: Bool, on warehouse: Warehouse) async throws -> String? {
        try await warehouse.withTransaction { holder in
            // A session lock: released by the unlock at once, not at the end of this transaction.
            try await holder.executeOne("SELECT pg_advisory_lock(42)")
            async let ran: Void = warehouse.execute(script: script, readOnly: readOnly)
            let seen = try? await sessionRunning(waitingScript, on: warehouse)
            try await holder.executeOne("SELECT pg_advisory_unlock(42)")
            try await ran
            return seen ?? nil
        }
    }

    /// A statement that waits for `whereRuns`' lock (allowed in a read-only transaction).
    static let waitingScript = "select pg_advisory_xact_lock_shared(42)"

    @Test("one read-only statement runs on the read-only session; a script of two, one with a timeout, or one not declared read-only, in a transaction")
    func whereStatementsRun() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { (warehouse: Warehouse) async throws in
            // Learnt before the first statement, with room for a loaded machine (a slow probe is only asked again).
            #expect(await warehouse.readOnly?.isSupported(limit: .seconds(60)) == true)
            let wait = Self.waitingScript
            #expect(try await Self.whereRuns(wait, readOnly: true, on: warehouse) == ReadOnlyPool.applicationName)
            #expect(try await Self.whereRuns("/* a comment first */ \(wait)", readOnly: true, on: warehouse) == ReadOnlyPool.applicationName)
            #expect(try await Self.whereRuns(wait, readOnly: false, on: warehouse) == "")
            #expect(try await Self.whereRuns("select 1; \(wait)", readOnly: true, on: warehouse) == "")
        }
    }

    @Test("a write in a read-only script is an error on either path, and nothing of it is kept")
    func writesAreRefused() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: """
            CREATE TABLE t (x int); CREATE SEQUENCE s;
            CREATE FUNCTION add_row(v int) RETURNS int LANGUAGE sql AS $$ INSERT INTO t VALUES (v) RETURNING v $$
            """)
            for script in ["insert into t values (1)", "with w as (insert into t values (2) returning x) select * from w",
                           "select add_row(3)", "select nextval('s')", "select 1; insert into t values (4)"] {
                do {
                    try await warehouse.execute(script: script, readOnly: true)
                    Issue.record("\(script) wrote in a read-only script")
                } catch let error as WarehouseError {
                    #expect(error.sqlState == .readOnlySQLTransaction, "\(script): \(error.message) \(error.isConnectionProblem)")
                }
            }
            #expect(try await warehouse.rows("SELECT count(*) FROM t") == [["0"]])
            #expect(try await warehouse.rows("SELECT last_value, is_called FROM s") == [["1", "f"]])
        }
    }

    @Test("a session where a read-only statement failed is not pooled again: a session lock it took goes with it")
    func failedSessionsAreClosed() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: "CREATE TABLE t (x int)")
            await #expect(throws: WarehouseError.self) {
                try await warehouse.execute(script: "select pg_advisory_lock(7), (select count(*) from t) / 0", readOnly: true)
            }
            var held = "1"
            for _ in 0..<100 where held != "0" {
                try await Task.sleep(for: .milliseconds(20))
                held = try await warehouse.rows("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7")[0][0] ?? ""
            }
            #expect(held == "0", "the advisory lock outlived the failed statement")
        }
    }

    @Test("an error in a read names its line and keeps Postgres' message")
    func errorsKeepTheirLine() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            do {
                try await warehouse.execute(script: "-- first\n\nselect 1 / 0", readOnly: true)
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
            let reading = Task { try await warehouse.execute(script: "select pg_sleep(30)", readOnly: true) }
            // Stop it once the server runs it (the session is opened on first use).
            #expect(try await Self.sessionRunning("pg_sleep(30)", on: warehouse) == ReadOnlyPool.applicationName)
            let stopped = ContinuousClock.now
            reading.cancel()
            await #expect(throws: CancellationError.self) { try await reading.value }
            #expect(ContinuousClock.now - stopped < .seconds(10))
            var left = 1
            for _ in 0..<200 where left > 0 {
                try await Task.sleep(for: .milliseconds(50))
                left = Int(try await warehouse.rows("""
                SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'select pg_sleep(30)' AND datname = current_database()
                """)[0][0] ?? "") ?? -1
            }
            #expect(left == 0, "the server still runs the stopped statement")
        }
    }

    @Test("where a read-only session cannot be opened, read-only scripts take the transaction path")
    func unsupportedServer() async throws {
        let unreachable = ReadOnlyPool(url: DatabaseURL(user: "u", database: "d", host: "/nonexistent"), logger: Logger(label: "t"))
        #expect(await unreachable.isSupported(limit: .seconds(2)) == false)
        let url = try await TestDatabase.fresh()
        let pool = ReadOnlyPool(url: url, logger: Logger(label: "t"))
        #expect(await pool.isSupported() == true)
    }
}
