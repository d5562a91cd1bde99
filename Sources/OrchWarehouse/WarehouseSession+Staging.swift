/// A warehouse table that kinds replace, upsert into or merge into: the one
/// place that names its staging table and its key index, so that every kind
/// stages, swaps and keys a table the same way.
public struct WarehouseTable: Sendable, Hashable {
    public var schema: String
    public var table: String

    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    /// `"schema"."table"`.
    public var relation: String { "\(SQLName.quote(schema)).\(SQLName.quote(table))" }
    /// Where a replacement is built before it is swapped in.
    public var stagingName: String { table + "__orch_new" }
    public var stagingRelation: String { "\(SQLName.quote(schema)).\(SQLName.quote(stagingName))" }
    /// The unique index upserts and merges conflict on.
    public var keyIndexName: String { table + "_orch_key" }
}

extension WarehouseSession {
    /// Replaces `target` atomically (within this transaction): `build` creates
    /// and fills the staging table (it gets its quoted name; a leftover of a
    /// stopped attempt is dropped first), which is then swapped in. A `build`
    /// that throws leaves the target as it was.
    public func replace<T: Sendable>(_ target: WarehouseTable, build: (_ staging: String) async throws -> T) async throws -> T {
        try await execute("DROP TABLE IF EXISTS \(target.stagingRelation)")
        let result = try await build(target.stagingRelation)
        try await swapIn(schema: target.schema, table: target.table, fresh: target.stagingName)
        return result
    }

    /// Creates the unique index on `key` that upserts and merges conflict on, if missing.
    public func ensureUniqueKey(_ target: WarehouseTable, key: [String]) async throws {
        try await execute("CREATE UNIQUE INDEX IF NOT EXISTS \(SQLName.quote(target.keyIndexName)) ON \(target.relation) "
                          + "(\(key.map(SQLName.quote).joined(separator: ", ")))")
    }

    /// The session's temporary schema, which COPY must name (it cannot take `pg_temp`).
    public func temporarySchema() async throws -> String {
        try await rows("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()").first?.first.flatMap { $0 } ?? "pg_temp"
    }
}
