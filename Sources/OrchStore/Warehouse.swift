import Foundation
import OrchExecution
import OrchSpec
import PostgresNIO

/// The database where pipelines' data lives (the same server as the store by
/// default). Task kinds use it through plain Swift types; only this module
/// speaks PostgresNIO.
public struct Warehouse: Sendable {
    let store: Store

    /// Runs a script of one or more statements on one connection, in one
    /// transaction unless `transaction` is false, with a statement timeout
    /// when given. Postgres' message, detail, hint and the script line of the
    /// failing statement are kept in the thrown `WarehouseError`.
    public func execute(script: String, timeout: Duration? = nil, transaction: Bool = true) async throws {
        let statements = SQLScript.split(script)
        var current: SQLScript.Statement?
        do {
            if transaction {
                try await withTransaction(timeout: timeout) { session in
                    for statement in statements {
                        current = statement
                        try await session.executeOne(statement.text)
                    }
                    current = nil
                }
            } else {
                try await withStoppableConnection { connection in
                    let session = WarehouseSession(connection: connection, logger: store.logger)
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

    /// Creates `schema` if it does not exist, outside any transaction:
    /// concurrent `CREATE SCHEMA IF NOT EXISTS` in two transactions can fail
    /// with a unique violation, which here just means another task won.
    public func ensureSchema(_ schema: String) async throws {
        do {
            try await execute(script: "CREATE SCHEMA IF NOT EXISTS \(SQLName.quote(schema))", transaction: false)
        } catch let error as WarehouseError where ["23505", "42P06"].contains(error.sqlState ?? "") {
            return
        }
    }

    /// Runs `sql` (one query, or statements then a query, on one connection)
    /// and returns the last statement's rows as text (NULL as nil).
    public func rows(_ sql: String) async throws -> [[String?]] {
        try await withStoppableConnection { connection in
            let session = WarehouseSession(connection: connection, logger: store.logger)
            var out: [[String?]] = []
            for statement in SQLScript.split(sql) { out = try await session.rows(statement.text) }
            return out
        }
    }
}

/// A failed warehouse statement, with what Postgres said about it.
public struct WarehouseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var detail: String?
    public var hint: String?
    public var sqlState: String?
    /// 1-based character offset in the statement, when Postgres gives one.
    public var position: Int?
    /// 1-based line in the script of the failing statement (or of the error in it).
    public var line: Int?
    /// True when the connection failed, not the statement: worth retrying.
    public var isConnectionProblem: Bool

    init(message: String, connectionProblem: Bool = false) {
        self.message = message
        isConnectionProblem = connectionProblem
    }

    /// The connection was already closed (the server restarted, or a stop closed it).
    static let connectionClosed = WarehouseError(message: "the connection to PostgreSQL is closed", connectionProblem: true)

    init(_ error: any Error) {
        let psql = error as? PSQLError
        let info = psql?.serverInfo
        message = info?[.message] ?? StoreError.describe(error)
        detail = info?[.detail]
        hint = info?[.hint]
        sqlState = info?[.sqlState]
        position = info?[.position].flatMap { Int($0) }
        isConnectionProblem = StoreError.isConnectionProblem(error)
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        return text
    }
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

/// The one mapping of warehouse errors to task failures: a lost connection
/// (wrapped or not), a serialization failure or a deadlock may succeed on a
/// retry; anything else is the SQL's own fault and is not retried.
extension WarehouseError: TaskFailureConvertible {
    public var isRetryable: Bool { isConnectionProblem || ["40001", "40P01"].contains(sqlState ?? "") }

    public func taskFailure(doing: String?) -> TaskFailure {
        TaskFailure(isConnectionProblem ? "connection" : "sql_error", (doing.map { "\($0): " } ?? "") + description,
                    retryable: isRetryable)
    }
}
