import Foundation
import PostgresNIO

/// The database where pipelines' data lives (the same server as the store by
/// default). Task kinds use it through plain Swift types; only this module
/// speaks PostgresNIO.
public struct Warehouse: Sendable {
    let store: Store

    /// Runs a script of one or more statements on one connection, with a
    /// statement timeout when given. Postgres' message, detail and hint are
    /// kept in the thrown `WarehouseError`.
    public func execute(script: String, timeout: Duration? = nil) async throws {
        try await store.client.withConnection { connection in
            do {
                if let timeout {
                    _ = try await connection.simpleQuery("SET statement_timeout = \(Int(timeout.seconds * 1000))").get()
                }
                _ = try await connection.simpleQuery(script).get()
                if timeout != nil { _ = try await connection.simpleQuery("RESET statement_timeout").get() }
            } catch {
                _ = try? await connection.simpleQuery("ROLLBACK; RESET statement_timeout").get()
                throw WarehouseError(error)
            }
        }
    }

    /// Runs one query and returns its rows as text (NULL as nil).
    public func rows(_ sql: String) async throws -> [[String?]] {
        do {
            return try await store.client.withConnection { connection in
                let rows = try await connection.simpleQuery(sql).get()
                return rows.map { row in
                    row.map { cell in cell.bytes.map { String(buffer: $0) } }
                }
            }
        } catch let error as WarehouseError {
            throw error
        } catch {
            throw WarehouseError(error)
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
    /// True when the connection failed, not the statement: worth retrying.
    public var isConnectionProblem: Bool

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
