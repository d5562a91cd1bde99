import Foundation
import OrchSemantic

/// `orch query --list --json`: the semantic catalog's metrics, dimensions and
/// aliases, each with its table (and the table's row count and freshness
/// from the last refresh).
public struct CatalogJSON: Encodable, Sendable {
    public struct Field: Encodable, Sendable {
        public var name: String
        public var table: String
        public var sql: String
        @Nullable public var description: String?
        @Nullable public var format: String?

        init(_ field: SemanticCatalog.Field, of table: SemanticCatalog.Table) {
            name = field.name
            self.table = table.name
            sql = field.sql
            description = field.description
            format = field.format
        }
    }

    /// A business word and the metric or dimension it stands for.
    public struct Alias: Encodable, Sendable {
        public var alias: String
        public var target: String
    }

    public struct Table: Encodable, Sendable {
        public var name: String
        public var relation: String
        @Nullable public var rowCount: Int?
        @Nullable public var freshness: String?
    }

    public var schemaVersion = JSONOutput.schemaVersion
    @Nullable public var version: Int?
    @Nullable public var refreshedAt: String?
    public var tables: [Table]
    public var metrics: [Field]
    public var dimensions: [Field]
    public var aliases: [Alias]

    public init(_ catalog: SemanticCatalog) {
        version = catalog.version
        refreshedAt = catalog.refreshedAt
        tables = catalog.tables.map { Table(name: $0.name, relation: $0.relation, rowCount: $0.rowCount, freshness: $0.freshness) }
        metrics = catalog.metrics.map { Field($0.field, of: $0.table) }.sorted { $0.name < $1.name }
        dimensions = catalog.dimensions.map { Field($0.field, of: $0.table) }.sorted { $0.name < $1.name }
        aliases = catalog.aliases.sorted { $0.key < $1.key }.map { Alias(alias: $0.key, target: $0.value) }
    }
}

/// `orch query --sql --json`: the SQL a question becomes, not run.
public struct QuerySQLJSON: Encodable, Sendable {
    public var schemaVersion = JSONOutput.schemaVersion
    public var sql: String

    public init(sql: String) { self.sql = sql }
}
