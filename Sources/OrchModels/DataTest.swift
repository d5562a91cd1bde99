import OrchSpec
import Foundation

/// A data test: SQL that returns the offending rows. Zero rows is a pass.
public struct DataTest: Sendable {
    public enum Severity: String, Sendable, Hashable { case error, warn }

    public enum Kind: Sendable {
        case unique
        case notNull
        case acceptedValues([String])
        case relationships(to: String, field: String)
        case acceptedRange(min: String?, max: String?, inclusive: Bool)
        /// A boolean SQL expression over the model's columns that must hold for every row.
        case expression(String)
        /// A `.sql` file returning offending rows.
        case singular(ModelTemplate)

        public var name: String {
            switch self {
            case .unique: return "unique"
            case .notNull: return "not_null"
            case .acceptedValues: return "accepted_values"
            case .relationships: return "relationships"
            case .acceptedRange: return "accepted_range"
            case .expression: return "expression"
            case .singular: return "singular"
            }
        }
    }

    /// The node id: `not_null_fct_sales_customer_id` style, unique in the project.
    public var name: String
    public var model: String
    public var column: String?
    public var kind: Kind
    public var severity: Severity
    public var location: SourceLocation

    /// Models the test reads (its model, and the target of a relationship or a singular test's refs).
    public var models: [String] {
        switch kind {
        case let .relationships(to, _): return [model, to]
        case let .singular(template): return template.refs
        default: return [model]
        }
    }

    /// The SQL that returns the offending rows; `relation` gives a model's quoted name.
    public func failingRowsSQL(relation: @escaping @Sendable (String) -> String?, vars: [String: String], modelNames: [String]) throws -> String {
        let target = relation(model) ?? model
        let c = column.map(quoteIdentifier) ?? ""
        switch kind {
        case .unique:
            return "SELECT \(c), count(*) AS occurrences FROM \(target) WHERE \(c) IS NOT NULL GROUP BY \(c) HAVING count(*) > 1"
        case .notNull:
            return "SELECT * FROM \(target) WHERE \(c) IS NULL"
        case let .acceptedValues(values):
            let list = values.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ")
            return "SELECT * FROM \(target) WHERE \(c) IS NOT NULL AND \(c)::text NOT IN (\(list))"
        case let .relationships(to, field):
            let other = relation(to) ?? to
            return """
            SELECT child.* FROM \(target) AS child
            WHERE child.\(c) IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM \(other) AS parent WHERE parent.\(quoteIdentifier(field)) = child.\(c))
            """
        case let .acceptedRange(min, max, inclusive):
            var conditions: [String] = []
            if let min { conditions.append("\(c) \(inclusive ? "<" : "<=") \(min)") }
            if let max { conditions.append("\(c) \(inclusive ? ">" : ">=") \(max)") }
            return "SELECT * FROM \(target) WHERE \(conditions.joined(separator: " OR "))"
        case let .expression(expression):
            return "SELECT * FROM \(target) WHERE NOT (\(expression))"
        case let .singular(template):
            return try template.render(RenderContext(this: target, isIncremental: false, vars: vars, modelNames: modelNames,
                                                     ref: relation)).sql
        }
    }

    /// Disambiguates equal names with a numeric suffix, keeping order.
    static func uniquelyNamed(_ tests: [DataTest]) -> [DataTest] {
        var seen: [String: Int] = [:]
        return tests.map { test in
            var t = test
            let n = seen[test.name, default: 0]
            seen[test.name] = n + 1
            if n > 0 { t.name += "_\(n + 1)" }
            return t
        }
    }
}

func quoteIdentifier(_ name: String) -> String {
    // Plain lower-case names stay readable in the SQL kept with results, unless
    // they are keywords (`user` unquoted is `current_user`, `order` a syntax error).
    if name.allSatisfy({ ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "_" }) && !(name.first?.isNumber ?? true)
        && !postgresReservedWords.contains(name) { return name }
    return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// PostgreSQL's reserved key words (SQL Key Words appendix: "reserved" and
/// "reserved (can be function or type)"), which a bare column name must not be.
let postgresReservedWords: Set<String> = [
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary", "both", "case",
    "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog",
    "current_date", "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "default",
    "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "freeze", "from",
    "full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join",
    "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null",
    "offset", "on", "only", "or", "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right",
    "select", "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then", "to",
    "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window", "with",
]
