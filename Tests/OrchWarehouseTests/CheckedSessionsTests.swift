import Foundation
import Testing
import OrchPostgres
import OrchTestSupport
@testable import OrchWarehouse

/// `client_connection_check_interval` is set once per session (`CheckedSessions`),
/// yet every transaction runs with it: first on a session, after one that
/// rolled back (which took its setting along), with and without a timeout.
@Suite("the check for a vanished client, once per session")
struct CheckedSessionsTests {
    @Test("every transaction runs with the 250 ms check, set once per session and again after a rollback")
    func everyTransactionIsChecked() async throws {
        let url = try await TestDatabase.fresh()
        try await Warehouse.with(url) { warehouse in
            let show = "SHOW client_connection_check_interval"
            // The pool's first session: a transaction that sets it, then fails (its setting goes with the rollback).
            await #expect(throws: WarehouseError.self) {
                try await warehouse.withTransaction { session in try await session.executeOne("SELECT 1 / 0") }
            }
            for timeout in [nil, Duration.seconds(5), nil, nil] {
                let seen = try await warehouse.withTransaction(timeout: timeout) { session in try await session.rows(show) }
                #expect(seen == [["250ms"]], "timeout \(String(describing: timeout))")
                // The same through a script (leading statements, where the id comes last).
                try await warehouse.execute(script: "DO $$ BEGIN IF current_setting('client_connection_check_interval') <> '250ms' "
                                            + "THEN RAISE 'not checked'; END IF; END $$", timeout: timeout)
            }
        }
    }

    @Test("a session's first transaction that undoes the setting and still commits does not leave it remembered",
          arguments: ["SELECT 1; ROLLBACK", "SELECT 1; RESET ALL", "SET client_connection_check_interval = 0"])
    func undoneIsNotRemembered(_ undoing: String) async throws {
        let url = try await TestDatabase.fresh()
        // A fresh pool: its one session's first transaction is `undoing`.
        try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: undoing)
            let seen = try await warehouse.withTransaction { session in try await session.rows("SHOW client_connection_check_interval") }
            #expect(seen == [["250ms"]], "after \(undoing)")
        }
    }
}
