/// The semantic layer: tables with their metrics (aggregates), dimensions
/// (expressions), joins, and business aliases. Definitions come from a
/// catalog file; a refresh adds what the live warehouse says (row counts,
/// freshness, column profiles) and stores the whole thing as JSON.
public struct SemanticCatalog: Sendable, Hashable, Codable {
    /// Where the `semantic_catalog` kind stores each validated catalog, and `orch query` reads the latest.
    public static let versionsTable = "semantic.catalog_versions"

    public struct Table: Sendable, Hashable, Codable {
        public var name: String
        /// `schema.table` in the warehouse.
        public var relation: String
        public var description: String?
        public var primaryKey: [String]
        public var dateColumn: String?
        /// Missing from the warehouse is not an error (a table another pipeline fills).
        public var optional: Bool? = nil
        public var joins: [Join]
        public var metrics: [Field]
        public var dimensions: [Field]
        // Filled by a refresh:
        public var rowCount: Int?
        public var freshness: String?
        public var columns: [ColumnProfile]?
    }

    public struct Join: Sendable, Hashable, Codable {
        public var to: String
        /// SQL condition using table names as aliases: `fct_sales.customer_id = dim_customer.customer_id`.
        public var on: String
    }

    /// A metric (an aggregate) or a dimension (a row-level expression).
    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        public var sql: String
        public var description: String?
        /// `number`, `currency`, `percent`, `integer`… for display.
        public var format: String?
    }

    public struct ColumnProfile: Sendable, Hashable, Codable {
        public var name: String
        public var type: String
        public var nullShare: Double
        public var distinctCount: Int
        public var min: String?
        public var max: String?

        public init(name: String, type: String, nullShare: Double, distinctCount: Int, min: String?, max: String?) {
            self.name = name
            self.type = type
            self.nullShare = nullShare
            self.distinctCount = distinctCount
            self.min = min
            self.max = max
        }
    }

    public var tables: [Table]
    /// Business words → metric or dimension name.
    public var aliases: [String: String]
    public var version: Int?
    public var refreshedAt: String?

    public init(tables: [Table], aliases: [String: String]) {
        self.tables = tables
        self.aliases = aliases
    }

    public func table(_ name: String) -> Table? { tables.first { $0.name == name } }

    /// Every metric with its table.
    public var metrics: [(table: Table, field: Field)] { tables.flatMap { t in t.metrics.map { (t, $0) } } }
    public var dimensions: [(table: Table, field: Field)] { tables.flatMap { t in t.dimensions.map { (t, $0) } } }
}
