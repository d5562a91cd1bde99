import OrchSpec
import Foundation

/// Reads a catalog file:
///
/// ```yaml
/// tables:
///   fct_sales:
///     relation: analytics.fct_sales
///     description: One row per sales line.
///     primary_key: [transaction_id, line_number]
///     date_column: transaction_date
///     joins:
///       - { to: dim_customer, on: "fct_sales.customer_id = dim_customer.customer_id" }
///     metrics:
///       total_revenue: { sql: "sum(fct_sales.total_amount)", description: Revenue incl. GST and delivery, format: currency }
///       units_sold: "sum(fct_sales.quantity)"
///     dimensions:
///       month: "to_char(fct_sales.transaction_date, 'YYYY-MM')"
/// aliases:
///   revenue: total_revenue
/// ```
public enum CatalogFile {
    /// - Throws: `SpecError` with every problem, each at file:line:col.
    public static func load(path: String) throws -> SemanticCatalog {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SpecError(Diagnostic("cannot read the catalog file \(path)", at: nil, hint: "`path:` is relative to the pipeline file"))
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> SemanticCatalog {
        let root = try YAMLDocument.parse(text, file: file)
        var diagnostics: [Diagnostic] = []
        guard var top = MappingReader(root, context: "the catalog", diagnostics: &diagnostics) else { throw SpecError(diagnostics) }
        var tables: [SemanticCatalog.Table] = []
        if let raw = top.raw("tables"), var reader = MappingReader(raw, context: "`tables`", diagnostics: &diagnostics) {
            for name in reader.keys {
                guard let value = reader.raw(name), var t = MappingReader(value, context: "table `\(name)`", diagnostics: &diagnostics) else { continue }
                let relation = t.requiredString("relation", hint: "the warehouse table, e.g. analytics.fct_sales") ?? name
                var table = SemanticCatalog.Table(name: name, relation: relation, description: t.string("description"),
                                                  primaryKey: t.stringList("primary_key") ?? [], dateColumn: t.string("date_column"),
                                                  joins: [], metrics: [], dimensions: [])
                table.optional = t.bool("optional")
                if let joins = t.raw("joins") {
                    if case let .list(items) = joins.kind {
                        for item in items {
                            guard var j = MappingReader(item, context: "a join of `\(name)`", diagnostics: &diagnostics) else { continue }
                            if let to = j.requiredString("to"), let on = j.requiredString("on") { table.joins.append(.init(to: to, on: on)) }
                            diagnostics += j.finish()
                        }
                    } else {
                        t.report("`joins` must be a list of `{ to, on }`", at: joins.location)
                    }
                }
                table.metrics = fields(t.raw("metrics"), kind: "metric", table: name, diagnostics: &diagnostics)
                table.dimensions = fields(t.raw("dimensions"), kind: "dimension", table: name, diagnostics: &diagnostics)
                diagnostics += t.finish()
                tables.append(table)
            }
            diagnostics += reader.finish()
        } else {
            top.report("the catalog has no `tables`", at: root.location)
        }
        let aliases = Dictionary((top.stringMap("aliases") ?? []).map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { $1 })
        diagnostics += top.finish()

        let names = tables.flatMap { $0.metrics.map(\.name) + $0.dimensions.map(\.name) }
        for (name, count) in Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +) where count > 1 {
            diagnostics.append(Diagnostic("`\(name)` is defined more than once; metric and dimension names must be unique", at: root.location))
        }
        for (alias, target) in aliases where !names.contains(target) {
            diagnostics.append(Diagnostic("alias `\(alias)` points to `\(target)`, which is no metric or dimension", at: root.location,
                                          hint: KeySuggestion.nearest(to: target, among: names).map { "did you mean `\($0)`?" }))
        }
        for table in tables {
            for join in table.joins where !tables.contains(where: { $0.name == join.to }) {
                diagnostics.append(Diagnostic("table `\(table.name)` joins `\(join.to)`, which is not in the catalog", at: root.location))
            }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        return SemanticCatalog(tables: tables, aliases: aliases)
    }

    private static func fields(_ raw: SpecValue?, kind: String, table: String, diagnostics: inout [Diagnostic]) -> [SemanticCatalog.Field] {
        guard let raw, var reader = MappingReader(raw, context: "\(kind)s of `\(table)`", diagnostics: &diagnostics) else { return [] }
        var out: [SemanticCatalog.Field] = []
        for name in reader.keys {
            guard let value = reader.raw(name) else { continue }
            switch value.kind {
            case let .scalar(sql, _):
                out.append(.init(name: name, sql: endingLineComments(sql)))
            case .map:
                guard var f = MappingReader(value, context: "\(kind) `\(name)`", diagnostics: &diagnostics) else { continue }
                if let sql = f.requiredString("sql") {
                    out.append(.init(name: name, sql: endingLineComments(sql), description: f.string("description"),
                                     format: f.string("format")))
                }
                diagnostics += f.finish()
            default:
                reader.report("\(kind) `\(name)` must be SQL text or `{ sql, description, format }`", at: value.location)
            }
        }
        diagnostics += reader.finish()
        return out
    }
}

/// `sql` ending in a newline if it may hold a `--` comment: orch writes
/// more SQL after every expression (`AS name`, `FROM …`, `)`), which a
/// comment running to the end of the line would swallow.
func endingLineComments(_ sql: String) -> String {
    sql.contains("--") && !sql.hasSuffix("\n") ? sql + "\n" : sql
}
