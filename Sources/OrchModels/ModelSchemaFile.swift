import OrchSpec
import Foundation

/// Reads a models YAML file:
///
/// ```yaml
/// models:
///   - name: fct_sales
///     description: one row per sales line
///     config: { materialized: table, schema: analytics, unique_key: [transaction_id, line_number], tags: [daily] }
///     columns:
///       - name: customer_id
///         tests: [not_null, { relationships: { to: dim_customer, field: customer_id } }]
///       - name: quantity
///         tests: [{ accepted_range: { min: 1 } }]
///     tests:
///       - expression: "total_amount >= net_sales_amount"
/// ```
enum ModelSchemaFile {
    /// `unparsed` names models whose `.sql` has an error already reported:
    /// their entries are skipped rather than reported a second time as missing.
    static func read(path: String, models: inout [Model], unparsed: Set<String> = [],
                     diagnostics: inout [Diagnostic]) throws -> [DataTest] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let root = try YAMLDocument.parse(text, file: path)
        guard var top = MappingReader(root, context: "the models file", diagnostics: &diagnostics) else { return [] }
        _ = top.raw("version")
        var tests: [DataTest] = []
        if let list = top.raw("models") {
            guard case let .list(items) = list.kind else {
                diagnostics.append(Diagnostic("`models` must be a list of `- name: …` entries", at: list.location))
                return []
            }
            for item in items {
                guard var entry = MappingReader(item, context: "a model entry", diagnostics: &diagnostics) else { continue }
                guard let name = entry.requiredString("name") else { diagnostics += entry.finish(); continue }
                entry.context = "model `\(name)`"
                guard let index = models.firstIndex(where: { $0.name == name }) else {
                    if unparsed.contains(name) { continue }
                    diagnostics.append(Diagnostic("`\(name)` is described here but there is no \(name).sql", at: item.location,
                                                  hint: KeySuggestion.nearest(to: name, among: models.map(\.name)).map { "did you mean `\($0)`?" }))
                    continue
                }
                models[index].description = entry.string("description")
                if let config = entry.raw("config") {
                    readConfig(config, into: &models[index].config, diagnostics: &diagnostics)
                }
                if let columns = entry.raw("columns") {
                    guard case let .list(columnItems) = columns.kind else {
                        diagnostics.append(Diagnostic("`columns` must be a list of `- name: …` entries", at: columns.location))
                        continue
                    }
                    for columnItem in columnItems {
                        guard var column = MappingReader(columnItem, context: "a column of `\(name)`", diagnostics: &diagnostics),
                              let columnName = column.requiredString("name") else { continue }
                        column.context = "column `\(name).\(columnName)`"
                        _ = column.string("description")
                        _ = column.string("data_type")
                        if let list = column.raw("tests") ?? column.raw("data_tests") {
                            tests += readTests(list, model: name, column: columnName, diagnostics: &diagnostics)
                        }
                        diagnostics += column.finish()
                    }
                }
                if let list = entry.raw("tests") ?? entry.raw("data_tests") {
                    tests += readTests(list, model: name, column: nil, diagnostics: &diagnostics)
                }
                diagnostics += entry.finish()
            }
        }
        diagnostics += top.finish()
        return tests
    }

    static func readConfig(_ value: SpecValue, into config: inout ModelConfig, diagnostics: inout [Diagnostic]) {
        guard var reader = MappingReader(value, context: "`config`", diagnostics: &diagnostics) else { return }
        if let m = reader.string("materialized") {
            if let parsed = Materialization(rawValue: m) { config.materialized = parsed } else {
                reader.report("`materialized` must be view, table or incremental, found `\(m)`", at: reader.raw("materialized")!.location)
            }
        }
        if let s = reader.string("schema") { config.schema = s }
        if let k = reader.stringList("unique_key") { config.uniqueKey = k }
        if let t = reader.stringList("tags") { config.tags = t }
        diagnostics += reader.finish()
    }

    /// Applies a SQL header's `{{ config(...) }}`.
    static func apply(_ values: [String: ModelTemplate.ConfigValue], to config: inout ModelConfig, at location: SourceLocation,
                      diagnostics: inout [Diagnostic]) {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            switch (key, value) {
            case let ("materialized", .string(m)):
                if let parsed = Materialization(rawValue: m) { config.materialized = parsed } else {
                    diagnostics.append(Diagnostic("config(materialized='\(m)'): use view, table or incremental", at: location))
                }
            case let ("schema", .string(s)): config.schema = s
            case let ("unique_key", .string(k)): config.uniqueKey = [k]
            case let ("unique_key", .list(k)): config.uniqueKey = k
            case let ("tags", .list(t)): config.tags = t
            case let ("tags", .string(t)): config.tags = [t]
            default:
                diagnostics.append(Diagnostic("config(\(key)=…) is not a setting models know", at: location,
                                              hint: "settings: materialized, schema, unique_key, tags"))
            }
        }
    }

    /// A `tests:` list: `- unique`, `- not_null`, `- accepted_values: { values: [...] }`, …
    static func readTests(_ list: SpecValue, model: String, column: String?, diagnostics: inout [Diagnostic]) -> [DataTest] {
        guard case let .list(items) = list.kind else {
            diagnostics.append(Diagnostic("`tests` must be a list", at: list.location))
            return []
        }
        var out: [DataTest] = []
        let generic = ["unique", "not_null", "accepted_values", "relationships", "accepted_range", "expression"]
        for item in items {
            var kindName: String
            var args: SpecValue?
            switch item.kind {
            case let .scalar(s, _): kindName = s
            case let .map(pairs) where pairs.count == 1:
                kindName = pairs[0].key.scalar ?? ""
                args = pairs[0].value
            default:
                diagnostics.append(Diagnostic("a test is a name (`- unique`) or one `name: { arguments }` mapping", at: item.location))
                continue
            }
            guard generic.contains(kindName) else {
                diagnostics.append(Diagnostic("unknown test `\(kindName)`", at: item.location,
                                              hint: KeySuggestion.nearest(to: kindName, among: generic).map { "did you mean `\($0)`?" }
                                                  ?? "tests: " + generic.joined(separator: ", ")))
                continue
            }
            var severity = DataTest.Severity.error
            var kind: DataTest.Kind?
            var reader: MappingReader?
            if let args, case .map = args.kind {
                reader = MappingReader(args, context: "test `\(kindName)` on `\(model)\(column.map { ".\($0)" } ?? "")`", diagnostics: &diagnostics)
                if let s = reader?.string("severity") {
                    if let parsed = DataTest.Severity(rawValue: s) { severity = parsed } else {
                        let location = reader?.location(of: "severity") ?? item.location
                        reader?.report("`severity` must be error or warn, found `\(s)`", at: location)
                    }
                }
                if let config = reader?.raw("config"), var c = MappingReader(config, context: "test config", diagnostics: &diagnostics) {
                    if let s = c.string("severity"), let parsed = DataTest.Severity(rawValue: s.lowercased()) { severity = parsed }
                    diagnostics += c.finish()
                }
            }
            let needsColumn = ["unique", "not_null", "accepted_values", "relationships", "accepted_range"]
            if needsColumn.contains(kindName) && column == nil {
                diagnostics.append(Diagnostic("`\(kindName)` goes under a column's `tests:`", at: item.location))
                continue
            }
            switch kindName {
            case "unique": kind = .unique
            case "not_null": kind = .notNull
            case "accepted_values":
                if let values = reader?.stringList("values"), !values.isEmpty { kind = .acceptedValues(values) } else {
                    diagnostics.append(Diagnostic("`accepted_values` needs `values: [...]`", at: item.location))
                }
            case "relationships":
                if let to = reader?.string("to"), let field = reader?.string("field") {
                    kind = .relationships(to: to.replacingOccurrences(of: "ref('", with: "").replacingOccurrences(of: "')", with: ""),
                                          field: field)
                } else {
                    diagnostics.append(Diagnostic("`relationships` needs `to:` (a model) and `field:`", at: item.location))
                }
            case "accepted_range":
                let min = reader?.string("min"), max = reader?.string("max")
                for bound in [min, max].compactMap({ $0 }) where Double(bound) == nil {
                    diagnostics.append(Diagnostic("`accepted_range` bounds must be numbers, found `\(bound)`", at: item.location))
                }
                if min == nil && max == nil {
                    diagnostics.append(Diagnostic("`accepted_range` needs `min:` and/or `max:`", at: item.location))
                }
                kind = .acceptedRange(min: min, max: max, inclusive: reader?.bool("inclusive") ?? true)
            default: // expression
                if case let .scalar(s, _)? = args?.kind { kind = .expression(s) } else if let e = reader?.string("expression") ?? reader?.string("sql") {
                    kind = .expression(e)
                } else {
                    diagnostics.append(Diagnostic("`expression` needs the SQL: `- expression: \"total >= net\"`", at: item.location))
                }
            }
            if var r = reader { diagnostics += r.finish() }
            guard let kind else { continue }
            let name = [kindName, model, column].compactMap { $0 }.joined(separator: "_")
            out.append(DataTest(name: name, model: model, column: column, kind: kind, severity: severity, location: item.location))
        }
        return out
    }
}
