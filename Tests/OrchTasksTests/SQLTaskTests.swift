import Foundation
import Testing
import OrchExecution
import OrchSpec
import OrchStore
import OrchTestSupport
@testable import OrchTasks
import OrchWarehouse

@Suite("sql task kind, against a real PostgreSQL")
struct SQLTaskTests {
    @Test("runs a script with several statements, dollar quotes and comments")
    func script() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                let body = try makeBody("""
                kind: sql
                sql: |
                  CREATE TABLE t (x int, s text); -- a comment; with a semicolon
                  INSERT INTO t VALUES (1, 'a;b'), (2, $$c;d$$);
                  /* block; comment */
                  CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
                """, directory: dir, warehouse: store.warehouse)
                _ = try await body.run(try context(dir))
                let rows = try await store.warehouse.rows("SELECT x, s, f() FROM t ORDER BY x")
                #expect(rows == [["1", "a;b", "1"], ["2", "c;d", "1"]])
            }
        }
    }

    @Test("a failing statement names the line, Postgres' message, and rolls the whole script back")
    func failureRollsBack() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try "CREATE TABLE kept (x int);\nINSERT INTO kept VALUES (1);\n\nSELECT * FROM no_such_table;\n"
                    .write(toFile: "\(dir)/load.sql", atomically: true, encoding: .utf8)
                let body = try makeBody("kind: sql\nfile: load.sql", directory: dir, warehouse: store.warehouse)
                do {
                    _ = try await body.run(try context(dir))
                    Issue.record("expected failure")
                } catch let f as TaskFailure {
                    #expect(f.message.contains("\(dir)/load.sql:4"), "\(f.message)")
                    #expect(f.message.contains("relation \"no_such_table\" does not exist"))
                    #expect(f.errorClass == .sqlError)
                    #expect(!f.retryable)
                }
                let rows = try await store.warehouse.rows("SELECT count(*) FROM pg_tables WHERE tablename = 'kept'")
                #expect(rows == [["0"]], "the CREATE TABLE before the error was rolled back")
            }
        }
    }

    @Test("a statement in the middle fails: its line is named, not a later one's, and nothing of the script stays")
    func middleFailure() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try "CREATE TABLE first (x int);\nSELECT 1/0;\nCREATE TABLE after (x int);\nSELECT * FROM no_such_table;\n"
                    .write(toFile: "\(dir)/mid.sql", atomically: true, encoding: .utf8)
                let body = try makeBody("kind: sql\nfile: mid.sql", directory: dir, warehouse: store.warehouse)
                do {
                    _ = try await body.run(try context(dir))
                    Issue.record("expected failure")
                } catch let f as TaskFailure {
                    #expect(f.message.contains("\(dir)/mid.sql:2"), "\(f.message)")
                    #expect(f.message.contains("division by zero"), "\(f.message)")
                }
                let rows = try await store.warehouse.rows("SELECT count(*) FROM pg_tables WHERE tablename IN ('first', 'after')")
                #expect(rows == [["0"]])
                // The pooled connection came back clean: the next script runs.
                try await store.warehouse.execute(script: "CREATE TABLE later (x int)")
                #expect(try await store.warehouse.rows("SELECT count(*) FROM pg_tables WHERE tablename = 'later'") == [["1"]])
            }
        }
    }

    @Test("a stopped script ends on the server too, mid-statement, and nothing after it runs or stays")
    func stopEndsServerWork() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                let body = try makeBody("kind: sql\nsql: |\n  CREATE TABLE before_stop (x int);\n  SELECT pg_sleep(31);\n  CREATE TABLE after_stop (x int);",
                                        directory: dir, warehouse: store.warehouse)
                let ctx = try context(dir)
                let run = Task { try await body.run(ctx) }
                let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(31)' AND pid <> pg_backend_pid()"
                let deadline = ContinuousClock.now + .seconds(20)
                while (try? await store.warehouse.rows(sleeping)) != [["1"]] && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                run.cancel()
                _ = await run.result
                let stopped = ContinuousClock.now
                // (The pool may still hand out the stopped connection once, before it sees it closed.)
                while (try? await store.warehouse.rows(sleeping)) != [["0"]] && ContinuousClock.now < deadline + .seconds(10) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(ContinuousClock.now - stopped < .seconds(10), "the server's statement ended soon after the stop")
                let rows = try await store.warehouse.rows("SELECT count(*) FROM pg_tables WHERE tablename IN ('before_stop', 'after_stop')")
                #expect(rows == [["0"]])
            }
        }
    }

    @Test("statement_timeout follows the task timeout")
    func timeout() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                let body = try makeBody("kind: sql\nsql: SELECT pg_sleep(60)", directory: dir, warehouse: store.warehouse)
                let started = ContinuousClock.now
                do {
                    _ = try await body.run(try context(dir, timeout: .milliseconds(300)))
                    Issue.record("expected the statement to be cancelled")
                } catch let failure as TaskFailure {
                    #expect(failure.message.contains("statement timeout"), "\(failure.message)")
                }
                #expect(ContinuousClock.now - started < .seconds(30), "cancelled long before the 60 s sleep ends")
            }
        }
    }

    @Test("sql and file are exclusive; one is required")
    func fields() throws {
        #expect(throws: SpecError.self) { try makeBody("kind: sql") }
        #expect(throws: SpecError.self) { try makeBody("kind: sql\nsql: select 1\nfile: x.sql") }
        #expect(throws: SpecError.self) { try makeBody("kind: sql\nfile: missing.sql") }
        #expect(throws: SpecError.self) { try makeBody("kind: sql\nsql: select 1\nread_only: true\ntransaction: false") }
        #expect(throws: SpecError.self) { try makeBody("kind: sql\nsql: select 1\nread_only: maybe") }
        _ = try makeBody("kind: sql\nsql: select 1\nread_only: true")
    }
}
