import Foundation
import OrchPostgres
import OrchSpec
import NIOCore
import PostgresNIO

extension Warehouse {
    /// Runs `body` on one pooled connection; every query on it goes through
    /// `stoppable`, so a stop (a task's timeout, Ctrl-C) ends it at once.
    func withStoppableConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await client.withConnection { connection in
            try await body(connection)
        }
    }

    /// Runs `body` in one transaction on one connection: committed if it
    /// returns, rolled back if it throws or its task is cancelled first.
    /// With `timeout`, every statement in it is limited (`statement_timeout`,
    /// and `lock_timeout`, so a blocked DDL does not hang past a task's timeout).
    ///
    /// Never commits after a stop: cancellation before COMMIT rolls back. If
    /// the connection goes while COMMIT is in flight, the outcome is asked of
    /// the server (`txid_status`): a transaction that did commit returns its
    /// result, so the caller records success instead of retrying on top of it;
    /// one whose fate cannot be learnt is an error that is not worth retrying.
    /// - Parameter readOnly: `BEGIN READ ONLY`: any write in `body` fails (for SQL typed by a person).
    public func withTransaction<T: Sendable>(timeout: Duration? = nil, readOnly: Bool = false,
                                             _ body: (WarehouseSession) async throws -> T) async throws -> T {
        try await transaction(timeout: timeout, readOnly: readOnly, leading: [], body)
    }

    /// The first of a transaction's `leading` statements that failed.
    struct LeadingStatementFailed: Error {
        var index: Int
        var error: WarehouseError
    }

    /// `withTransaction`, with `leading` statements sent together with BEGIN
    /// and the setup, before any answer is awaited: orch waits twice for a
    /// script (its opening and its COMMIT), not once per statement (the
    /// server still answers them one by one: PostgresNIO sends each query
    /// once the one before is answered). Safe because COMMIT is only sent once every answer is in:
    /// a stop meanwhile closes the connection and the server rolls back.
    /// - Throws: `LeadingStatementFailed` for the first leading statement that failed.
    func transaction<T: Sendable>(timeout: Duration?, readOnly: Bool, leading: [String],
                                  _ body: (WarehouseSession) async throws -> T) async throws -> T {
        try await withStoppableConnection { connection in
            let session = WarehouseSession(connection: connection, logger: logger)
            // The transaction's id (to learn its fate later) and its limits, in one statement. A stop
            // closes the connection; the server notices within 250 ms, even mid-statement (PostgreSQL 14+),
            // once the session has that setting (`CheckedSessions`: set once per session, kept).
            // With leading statements, the id is asked after them instead, only if they wrote: a
            // transaction that wrote nothing needs no id, and its COMMIT no flush to disk.
            let idLast = !leading.isEmpty
            let checked = sessions.contains(connection.id)
            var limits: [String] = []
            if !checked {
                limits.append("CASE WHEN current_setting('server_version_num')::int >= 140000 "
                              + "THEN set_config('client_connection_check_interval', '250', false) END")
            }
            if let timeout {
                let ms = timeout.postgresMilliseconds
                limits += ["set_config('statement_timeout', '\(ms)', true)", "set_config('lock_timeout', '\(ms)', true)"]
            }
            // Nothing to set and the id comes last: no setup statement, one round trip fewer.
            let setup = idLast && limits.isEmpty
                ? [] : ["SELECT " + ([idLast ? "NULL" : "txid_current()::text"] + limits).joined(separator: ", ")]
            let fixed = 1 + setup.count
            let transactionID: String?
            var wroteNothing = false
            do {
                let opening = try await session.pipeline([readOnly ? "BEGIN READ ONLY" : "BEGIN"] + setup + leading
                                                         + (idLast ? ["SELECT txid_current_if_assigned()::text"] : []))
                for answer in opening.prefix(fixed) { _ = try answer.get() }
                // Statements after the first failure fail only because it did (the transaction is aborted).
                if let first = opening.dropFirst(fixed).prefix(leading.count).firstIndex(where: { (try? $0.get()) == nil }),
                   case let .failure(error) = opening[first] {
                    throw LeadingStatementFailed(index: first - fixed, error: error)
                }
                transactionID = try opening[idLast ? opening.count - 1 : 1].get().first?.first ?? nil
                wroteNothing = idLast && transactionID == nil
            } catch {
                await session.resetOrClose("ROLLBACK")
                throw error
            }
            let result: T
            do {
                result = try await body(session)
                try Task.checkCancellation()
            } catch {
                await session.resetOrClose("ROLLBACK")
                throw error
            }
            do {
                try await session.executeOne("COMMIT")
                // The session's, once seen to stay: a script's own ROLLBACK or RESET, or an aborted
                // transaction's COMMIT (a rollback without an error), leave it unset. A server before 14
                // has no such setting (NULL): nothing to set there, so neither asked nor set again.
                if !checked, let rows = try? await session.rows("SELECT current_setting('client_connection_check_interval', true)"),
                   rows == [["250ms"]] || rows == [[nil]] {
                    sessions.insert(connection.id)
                }
                return result
            } catch {
                // Stopped or cut off while COMMIT was in flight: it may have landed.
                guard error is CancellationError || (error as? WarehouseError)?.isConnectionProblem == true else { throw error }
                // Nothing was written: committed or not, the outcome is the same.
                if wroteNothing { return result }
                switch await commitOutcome(of: transactionID) {
                case .committed: return result
                case .aborted: throw error
                case .unknown:
                    throw WarehouseError(message: "the connection was lost during COMMIT and whether the transaction committed "
                                         + "could not be learnt (\(error)); check the target tables before running it again")
                }
            }
        }
    }

    enum CommitOutcome: Sendable { case committed, aborted, unknown }

    /// Asks the server whether transaction `id` committed, on a fresh
    /// connection and outside the caller's cancellation (the caller is often
    /// the task that was just stopped), within a few seconds.
    func commitOutcome(of id: String?) async -> CommitOutcome {
        guard let id, let xid = Int64(id) else { return .unknown }
        let client = self.client, logger = self.logger
        // Not cut short by the caller's cancellation (it is often the task just stopped); bounded instead.
        let outcome = try? await abandonable(limit: .seconds(10), stopsOnCancel: false) { () -> CommitOutcome in
            while true {
                let rows = try await client.query("SELECT txid_status(\(xid))::text", logger: logger).collect()
                switch rows.first.flatMap({ try? $0.decode(String?.self) }) ?? nil {
                case "committed": return .committed
                case "aborted": return .aborted
                // The server has not yet rolled back the closed connection's transaction.
                case "in progress": try await Task.sleep(for: .milliseconds(50))
                default: return .unknown
                }
            }
        }
        return outcome ?? .unknown
    }
}

extension WarehouseSession {
    /// Sends a cleanup statement (`ROLLBACK`, `RESET …`) so the pooled
    /// connection goes back clean; if that cannot be done (the task was
    /// stopped, the connection broke), closes it instead: a connection in an
    /// unknown state must never be handed to the next task.
    func resetOrClose(_ sql: String) async {
        if !Task.isCancelled, !connection.isClosed, (try? await executeOne(sql)) != nil { return }
        let closing: EventLoopFuture<Void> = connection.close()
        _ = closing
    }
}
