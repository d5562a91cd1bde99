import Foundation
import OrchSpec
import OrchWarehouse

/// One column of an `http_poll` table: where its value comes from (a JSON
/// path in the row, a literal, or computed) and its type.
struct HTTPColumn: Sendable {
    enum Source: Sendable {
        case path(JSONPath)
        case literal(String)
        /// `uuid`, `event_timestamp` (when the response arrived), `ingestion_timestamp`, `run_id`.
        case computed(String)
        case wordCount(JSONPath)
        case mentions([JSONPath], words: [String])
    }

    static let computedNames = ["uuid", "event_timestamp", "ingestion_timestamp", "run_id", "word_count", "mentions"]

    var name: String
    var source: Source
    var type: CSVColumn.ColumnType

    static func read(_ options: inout MappingReader) -> [HTTPColumn] {
        guard let raw = options.raw("columns") else { return [] }
        var diagnostics: [Diagnostic] = []
        guard var reader = MappingReader(raw, context: "`columns`", diagnostics: &diagnostics) else {
            for d in diagnostics { options.report(d.message, at: d.location ?? raw.location) }
            return []
        }
        var out: [HTTPColumn] = []
        for name in reader.keys {
            guard let value = reader.raw(name) else { continue }
            guard SQLName.isPlain(name) else {
                reader.report("column name `\(name)` may only use letters, digits and `_`", at: value.location)
                continue
            }
            func path(_ text: String, _ location: SourceLocation) -> JSONPath? {
                do { return try JSONPath(parsing: text) } catch {
                    reader.report("column `\(name)`: \(error)", at: location)
                    return nil
                }
            }
            switch value.kind {
            case let .scalar(text, _):
                if let p = path(text, value.location) { out.append(HTTPColumn(name: name, source: .path(p), type: .text)) }
            case .map:
                guard var spec = MappingReader(value, context: "column `\(name)`", diagnostics: &diagnostics) else { continue }
                var type = CSVColumn.ColumnType.text
                if let t = spec.string("type") {
                    if let parsed = CSVColumn.ColumnType(rawValue: t) { type = parsed } else {
                        spec.report("column `\(name)`: unknown type `\(t)`", at: spec.raw("type")!.location,
                                    hint: "types: " + CSVColumn.ColumnType.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                }
                let pathText = spec.string("path"), literal = spec.string("value"), computed = spec.string("computed")
                let of = spec.stringList("of") ?? []
                let words = spec.stringList("words") ?? []
                var source: Source?
                switch (pathText, literal, computed) {
                case let (p?, nil, nil): source = path(p, spec.raw("path")!.location).map { .path($0) }
                case let (nil, v?, nil): source = .literal(v)
                case let (nil, nil, c?):
                    switch c {
                    case "uuid", "run_id", "event_timestamp", "ingestion_timestamp":
                        source = .computed(c)
                        if c.hasSuffix("timestamp") && spec.raw("type") == nil { type = .timestamp }
                    case "word_count":
                        if let p = of.first.flatMap({ path($0, spec.location(of: "of")) }) { source = .wordCount(p) } else {
                            spec.report("column `\(name)`: `computed: word_count` needs `of:` a path", at: value.location)
                        }
                        if spec.raw("type") == nil { type = .int }
                    case "mentions":
                        let paths = of.compactMap { path($0, spec.location(of: "of")) }
                        if paths.isEmpty || words.isEmpty {
                            spec.report("column `\(name)`: `computed: mentions` needs `of:` paths and `words:`", at: value.location)
                        }
                        source = .mentions(paths, words: words.map { $0.lowercased() })
                        if spec.raw("type") == nil { type = .bool }
                    default:
                        spec.report("column `\(name)`: unknown computed value `\(c)`", at: spec.raw("computed")!.location,
                                    hint: "one of: " + computedNames.joined(separator: ", "))
                    }
                default:
                    spec.report("column `\(name)` needs exactly one of `path`, `value` or `computed`", at: value.location)
                }
                diagnostics += spec.finish()
                if let source { out.append(HTTPColumn(name: name, source: source, type: type)) }
            default:
                reader.report("column `\(name)` must be a JSON path or a mapping", at: value.location)
            }
        }
        diagnostics += reader.finish()
        for d in diagnostics { options.report(d.message, at: d.location ?? raw.location, hint: d.hint) }
        return out
    }

    /// The column's value for one row, as text (nil for a missing value).
    func value(item: Any, document: Any, received: Date, ingestion: Date, runID: String) -> String? {
        switch source {
        case let .path(p): return p.value(in: item).flatMap(Self.text)
        case let .literal(v): return v
        case let .computed(c):
            switch c {
            case "uuid": return UUID().uuidString.lowercased()
            case "run_id": return runID
            case "event_timestamp": return received.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            default: return ingestion.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            }
        case let .wordCount(p):
            return p.value(in: item).flatMap(Self.text).map { String($0.split(whereSeparator: { $0.isWhitespace }).count) }
        case let .mentions(paths, words):
            let text = paths.compactMap { $0.value(in: item).flatMap(Self.text) }.joined(separator: " ").lowercased()
            return words.contains { text.contains($0) } ? "true" : "false"
        }
    }

    /// Appends `value` in COPY format; returns why it does not fit the type.
    func encode(_ value: String?, into out: inout [UInt8]) -> String? {
        guard let value else {
            COPYText.appendNull(to: &out)
            return nil
        }
        var column = CSVColumn(name: name, type: type)
        column.dateFormat = .iso
        return Array(value.utf8).withUnsafeBufferPointer { column.encode($0, quoted: true, format: .text, into: &out) }
    }

    static func text(_ value: Any) -> String? {
        switch value {
        case is NSNull: return nil
        case let s as String: return s
        case let n as NSNumber:
            // JSON true/false arrive as NSNumber with the `c` (char) type.
            switch String(cString: n.objCType) {
            case "c", "B": return n.boolValue ? "true" : "false"
            case "d", "f": return "\(n.doubleValue)"
            default: return "\(n.int64Value)"
            }
        default:
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
