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
    }
}
