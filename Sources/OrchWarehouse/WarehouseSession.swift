import Foundation
import Logging
import NIOCore
import OrchPostgres
import PostgresNIO

/// One connection inside one transaction, for task kinds that need several
/// steps to be atomic (load into a new table, swap). Only valid inside
/// `Warehouse.withTransaction`.
public struct WarehouseSession: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// The connection has closed (as far as this client has seen).
    var isClosed: Bool { connection.isClosed }

    /// Runs `operation` on the connection through `stoppable` (COPY's way to
    /// the server; statements go through `answers`).
    func send<T: Sendable>(_ operation: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.mappingErrors { try await connection.stoppable(operation) }
    }

    /// `body`'s failures as `WarehouseError` (a stop stays a `CancellationError`).
    private static func mappingErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as WarehouseError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw WarehouseError(error)
        }
    }

    /// One statement's rows.
    func collect(_ sql: String) async throws -> [PostgresRow] {
        try await answers([sql])[0].get()
    }

    /// Queues every statement before awaiting any answer (each still its own
    /// statement, in order), then gathers each one's rows as text or its
    /// error: one wait for all. Throws only for a stop or a closed connection.
    func pipeline(_ statements: [String]) async throws -> [Result<[[String?]], WarehouseError>] {
        try await answers(statements).map { answer in answer.map { rows in rows.map { $0.map(\.text) } } }
    }

    /// Each statement's rows or its error, the statements sent together and
    /// awaited once (`PostgresConnection.answers`: the only way this module
    /// runs a statement).
    private func answers(_ statements: [String]) async throws -> [Result<[PostgresRow], WarehouseError>] {
        let logger = self.logger
        return try await Self.mappingErrors {
            try await connection.answers(to: statements.map { PostgresQuery(unsafeSQL: $0) }, logger: logger)
        }.map { result in result.map(\.rows).mapError { WarehouseError($0) } }
    }

    /// Runs one or more statements.
    public func execute(_ sql: String) async throws {
        for statement in SQLScript.split(sql) { _ = try await collect(statement.text) }
    }

    /// Runs exactly one statement, unsplit (its error position stays relative to it).
    public func executeOne(_ sql: String) async throws {
        _ = try await collect(sql)
    }

    /// Rows of one query with their column names, values as text.
    public func table(_ sql: String) async throws -> (columns: [String], rows: [[String?]]) {
        let result = try await typedTable(sql)
        return (result.columns, result.rows)
    }

    /// As `table`, with whether each column holds numbers (for JSON that keeps them numbers).
    public func typedTable(_ sql: String) async throws -> (columns: [String], numeric: [Bool], rows: [[String?]]) {
        let rows = try await collect(sql)
        let numericTypes: Set<PostgresDataType> = [.int2, .int4, .int8, .float4, .float8, .numeric]
        return (rows.first.map { $0.map(\.columnName) } ?? [], rows.first.map { $0.map { numericTypes.contains($0.dataType) } } ?? [],
                rows.map { $0.map(\.text) })
    }

    /// Whether `schema.name` exists, and as what (`r` table, `v` view, …).
    public func relationKind(schema: String, name: String) async throws -> String? {
        let rows = try await self.rows("""
        SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = \(SQLName.literal(schema)) AND c.relname = \(SQLName.literal(name))
        """)
        return rows.first?.first ?? nil
    }

    /// Column names of a relation, in order.
    public func columnNames(_ qualified: String) async throws -> [String] {
        try await rows("""
        SELECT attname FROM pg_attribute WHERE attrelid = \(SQLName.literal(qualified))::regclass AND attnum > 0 AND NOT attisdropped
        ORDER BY attnum
        """).compactMap { $0.first ?? nil }
    }

    /// Puts `schema.fresh` in place of `schema.table` inside this transaction.
    /// A rename swap would drop views on the old table, so when some exist
    /// and the columns match, the rows are moved instead (readers still see
    /// the old rows until commit). Different columns under views is an error
    /// that names the views.
    public func swapIn(schema: String, table: String, fresh: String) async throws {
        let schemaQ = SQLName.quote(schema)
        let target = "\(schemaQ).\(SQLName.quote(table))", freshQ = "\(schemaQ).\(SQLName.quote(fresh))"
        guard let kind = try await relationKind(schema: schema, name: table) else {
            try await execute("ALTER TABLE \(freshQ) RENAME TO \(SQLName.quote(table))")
            return
        }
        if kind == "v" {
            // The model was a view before: it has no rows to keep.
            try await execute("DROP VIEW \(target); ALTER TABLE \(freshQ) RENAME TO \(SQLName.quote(table))")
            return
        }
        let dependents = try await rows("""
        SELECT DISTINCT v.oid::regclass::text FROM pg_depend d
        JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
        WHERE d.refobjid = \(SQLName.literal(target))::regclass AND v.oid <> d.refobjid
        """).compactMap { $0.first ?? nil }
        if dependents.isEmpty {
            try await execute("DROP TABLE \(target); ALTER TABLE \(freshQ) RENAME TO \(SQLName.quote(table))")
            return
        }
        let shape = { (relation: String) in """
        SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = \(SQLName.literal(relation))::regclass AND attnum > 0 AND NOT attisdropped
        """ }
        guard try await rows(shape(target)) == rows(shape(freshQ)) else {
            throw WarehouseError(message: "the columns of \(schema).\(table) change, and views depend on it (\(dependents.joined(separator: ", "))); "
                                 + "drop those views (their models rebuild them) or keep the columns")
        }
        try await execute("TRUNCATE \(target); INSERT INTO \(target) SELECT * FROM \(freshQ); DROP TABLE \(freshQ)")
    }
}

extension SQLName {
    /// A SQL string literal.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

extension WarehouseSession {
    public func rows(_ sql: String) async throws -> [[String?]] {
        try await collect(sql).map { $0.map(\.text) }
    }

    /// Sends COPY text-format data (`chunks` of whole lines) into `schema.table`.
    public func copy(schema: String, table: String, columns: [String], chunks: [[UInt8]]) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        for chunk in chunks { continuation.yield(chunk) }
        continuation.finish()
        try await copy(schema: schema, table: table, columns: columns, stream: stream)
    }

    /// The data format of a COPY.
    public enum COPYFormat: Sendable {
        /// `COPYText`: what every column type reads.
        case text
        /// `COPYBinary`: each value in its type's binary form, so only for columns whose types the sender knows exactly.
        case binary
    }

    /// Streams COPY data into `schema.table` as it is produced, so
    /// that parsing and sending overlap. A producer that fails should finish
    /// the stream and throw from its own task: the transaction then rolls back.
    public func copy(schema: String, table: String, columns: [String], format: COPYFormat = .text,
                     stream: AsyncStream<[UInt8]>) async throws {
        // PostgresNIO quotes the table name as one identifier: reach the schema through search_path.
        try await executeOne("SET LOCAL search_path TO \(SQLName.quote(schema))")
        let logger = self.logger
        let columns = try Self.copyColumns(columns, format: format)
        try await send { connection in
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                for await chunk in stream where !chunk.isEmpty {
                    // PostgresNIO 1.33 stops the process (preconditionFailure "Copy mode is only supported for
                    // extended queries") when COPY data is written to a connection that has closed meanwhile
                    // (a server restart, a terminated backend): never write to one known to be closed.
                    if connection.isClosed { throw PostgresFailure.connectionClosed }
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                // A cancelled producer just ends the stream: never let that look like the end of the data.
                try Task.checkCancellation()
            }
        }
        try await executeOne("RESET search_path")
    }

    /// The column list to hand PostgresNIO. Its 1.33 has no binary COPY: it
    /// writes `COPY "t"("a","b") FROM STDIN WITH (FORMAT text)`, each name put
    /// between quotes as given. So for binary the last name closes the list
    /// and the statement with binary's options, and comments out the rest of
    /// the line. Only names without a quote get there (a quote would break the
    /// text statement as well). A round-trip test fails if PostgresNIO ever
    /// builds the statement another way.
    static func copyColumns(_ columns: [String], format: COPYFormat) throws -> [String] {
        guard !columns.contains(where: { $0.contains("\"") || $0.contains("\n") || $0.isEmpty }) else {
            throw WarehouseError(message: "a COPY column name may not contain a double quote or a line break, nor be empty")
        }
        guard format == .binary, let last = columns.last else { return columns }
        return columns.dropLast() + [last + "\") FROM STDIN WITH (FORMAT binary) --"]
    }
}

/// Identifier quoting for names that come from pipelines.
public enum SQLName {
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `schema.table` split and checked: letters, digits and `_`, not starting with a digit.
    public static func qualified(_ text: String, defaultSchema: String = "public") -> (schema: String, table: String)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), parts.allSatisfy(isPlain) else { return nil }
        return parts.count == 2 ? (parts[0], parts[1]) : (defaultSchema, parts[0])
    }

    public static func isPlain(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !s.isEmpty, s.count <= 63 else { return false }
        return (first == "_" || (first.isASCII && CharacterSet.letters.contains(first)))
            && s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
    }
}
