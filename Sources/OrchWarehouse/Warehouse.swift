import Foundation
import Logging
import OrchExecution
import OrchPostgres
import OrchSpec
import PostgresNIO

/// The database where pipelines' data lives (the same server as the store by
/// default). Task kinds use it through plain Swift types; only this module
/// speaks PostgresNIO.
public struct Warehouse: Sendable {
    let client: PostgresClient
    /// Where a `read_only` script of one statement runs (`ReadOnlyPool`); nil: in `BEGIN READ ONLY`.
    let readOnly: ReadOnlyPool?
    /// `client`'s sessions that already check for a vanished client.
    let sessions: CheckedSessions
    let logger: Logger

    /// A warehouse on pools whose `run()` their owner keeps going.
    public init(client: PostgresClient, readOnly: ReadOnlyPool? = nil, sessions: CheckedSessions = CheckedSessions(), logger: Logger) {
        self.client = client
        self.readOnly = readOnly
        self.sessions = sessions
        self.logger = logger
    }

    /// Runs a pool on `url` for the duration of `body`, and a warehouse on it.
    public static func with<T: Sendable>(_ url: DatabaseURL, _ body: @Sendable (Warehouse) async throws -> T) async throws -> T {
        var logger = Logger(label: "orch.warehouse")
        logger.logLevel = .critical
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        let readOnly = ReadOnlyPool(url: url, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for pool in [client, readOnly.client] { group.addTask { await pool.run() } }
            defer { group.cancelAll() }
            return try await body(Warehouse(client: client, readOnly: readOnly, sessions: CheckedSessions(), logger: logger))
        }
    }

    /// Runs a script of one or more statements on one connection, in one
    /// transaction unless `transaction` is false, with a statement timeout
    /// when given. Postgres' message, detail, hint and the script line of the
    /// failing statement are kept in the thrown `WarehouseError`.
    /// - Parameter readOnly: the script may not write (a write is an error).
    ///   One statement without a timeout then runs as one round trip on a
    ///   read-only session (`ReadOnlyPool`), where the server allows it.
    public func execute(script: String, timeout: Duration? = nil, transaction: Bool = true, readOnly: Bool = false) async throws {
        let statements = SQLScript.split(script)
        var current: SQLScript.Statement?
        do {
            if transaction, readOnly, statements.count == 1, timeout == nil, let pool = self.readOnly, await pool.isSupported() {
                current = statements[0]
                try await runAlone(statements[0].text, on: pool)
            } else if transaction {
                do {
                    // Every statement is queued with the BEGIN: orch waits twice for the script, however long.
                    try await self.transaction(timeout: timeout, readOnly: readOnly, leading: statements.map(\.text)) { _ in }
                } catch let failed as LeadingStatementFailed {
                    current = statements[failed.index]
                    throw failed.error
                }
            } else {
                try await withStoppableConnection { connection in
                    let session = WarehouseSession(connection: connection, logger: logger)
                    if let timeout { try await session.executeOne("SET statement_timeout = \(timeout.postgresMilliseconds)") }
                    do {
                        for statement in statements {
                            current = statement
                            try await session.executeOne(statement.text)
                        }
                        current = nil
                    } catch {
                        // The pooled connection must not keep this task's limit.
                        if timeout != nil { await session.resetOrClose("RESET statement_timeout") }
                        throw error
                    }
                    if timeout != nil { try await session.executeOne("RESET statement_timeout") }
                }
            }
        } catch var failure as WarehouseError {
            if let current {
                failure.line = failure.position.map { SQLScript.line(of: $0, in: current, script: script) } ?? current.line
            }
            throw failure
        }
    }

    /// One statement on a session of the read-only pool, outside an explicit
    /// transaction. A session where it failed is closed rather than pooled:
    /// what a failed statement left on it (a session lock) goes with it.
    private func runAlone(_ statement: String, on pool: ReadOnlyPool) async throws {
        try Task.checkCancellation()
        try await pool.client.withConnection { connection in
            let session = WarehouseSession(connection: connection, logger: logger)
            do {
                try await session.executeOne(statement)
            } catch {
                // Closed before it goes back: a pool handed one still closing to the next task.
                try? await connection.close()
                throw error
            }
        }
    }

    /// Creates `schema` if it does not exist, outside any transaction:
    /// concurrent `CREATE SCHEMA IF NOT EXISTS` in two transactions can fail
    /// with a unique violation, which here just means another task won.
    public func ensureSchema(_ schema: String) async throws {
        do {
            try await execute(script: "CREATE SCHEMA IF NOT EXISTS \(SQLName.quote(schema))", transaction: false)
        } catch let error as WarehouseError where error.sqlState == .uniqueViolation || error.sqlState == .duplicateSchema {
            return
        }
    }

    /// Runs `sql` (one query, or statements then a query, on one connection)
    /// and returns the last statement's rows as text (NULL as nil).
    public func rows(_ sql: String) async throws -> [[String?]] {
        try await withStoppableConnection { connection in
            let session = WarehouseSession(connection: connection, logger: logger)
            var out: [[String?]] = []
            for statement in SQLScript.split(sql) { out = try await session.rows(statement.text) }
            return out
        }
    }
}

/// A failed warehouse statement: what Postgres said about it, and where
/// in the script it was.
public struct WarehouseError: ConnectionAwareError, Sendable, CustomStringConvertible {
    public var failure: PostgresFailure
    /// 1-based line in the script of the failing statement (or of the error in it).
    public var line: Int?

    init(message: String, connectionProblem: Bool = false) {
        failure = PostgresFailure(message: message, connectionProblem: connectionProblem)
    }

    init(_ error: any Error) { failure = PostgresFailure(error) }

    public var message: String { failure.message }
    public var detail: String? { failure.detail }
    public var hint: String? { failure.hint }
    public var sqlState: SQLState? { failure.sqlState }
    /// 1-based character offset in the statement, when Postgres gives one.
    public var position: Int? { failure.position }
    /// True when the connection failed, not the statement: worth retrying.
    public var isConnectionProblem: Bool { failure.isConnectionProblem }
    public var description: String { failure.description }
}

extension PostgresCell {
    /// The value as Postgres would print it, whatever the wire format
    /// (the extended protocol returns many types in binary).
    var text: String? {
        guard let bytes else { return nil }
        if format == .text { return String(buffer: bytes) }
        switch dataType {
        case .int2: return (try? decode(Int16.self)).map { String($0) }
        case .int4: return (try? decode(Int32.self)).map { String($0) }
        case .int8: return (try? decode(Int64.self)).map { String($0) }
        case .float4: return (try? decode(Float.self)).map { String($0) }
        case .float8: return (try? decode(Double.self)).map { String($0) }
        case .bool: return (try? decode(Bool.self)).map { $0 ? "t" : "f" }
        case .numeric: return (try? decode(Decimal.self)).map { "\($0)" }
        case .uuid: return (try? decode(UUID.self)).map { $0.uuidString.lowercased() }
        case .timestamptz, .timestamp: return (try? decode(Date.self)).map { $0.ISO8601Format() }
        case .date:
            return (try? decode(Date.self)).map { $0.ISO8601Format(.iso8601.year().month().day()) }
        default: return (try? decode(String.self)) ?? String(buffer: bytes)
        }
    }
}

extension Duration {
    /// As `statement_timeout` / `lock_timeout` take it: whole milliseconds,
    /// at least 1 (0 would mean no limit) and at most what Postgres accepts.
    var postgresMilliseconds: Int64 { max(1, min(wholeMilliseconds, Int64(Int32.max))) }
}

