/// Reads one YAML mapping strictly: every key must be read or it is reported
/// as unknown (with the nearest known key as a suggestion), and every value
/// must have the expected type. Errors are collected, not thrown one by one,
/// so a user sees all problems of a file at once.
public struct MappingReader: Sendable {
    public let value: SpecValue
    /// What this mapping is, for messages: "task `load`", "defaults".
    public var context: String
    private var entries: [(key: String, keyLocation: SourceLocation, value: SpecValue)]
    private var known: [String] = []
    public private(set) var diagnostics: [Diagnostic] = []

    /// Fails (with a diagnostic) when `value` is not a mapping.
    public init?(_ value: SpecValue, context: String, diagnostics: inout [Diagnostic]) {
        guard case let .map(pairs) = value.kind else {
            diagnostics.append(Diagnostic("\(context) must be a mapping (key: value lines), found \(value.typeName)",
                                          at: value.location))
            return nil
        }
        self.value = value
        self.context = context
        var entries: [(String, SourceLocation, SpecValue)] = []
        for pair in pairs {
            guard let key = pair.key.scalar else {
                diagnostics.append(Diagnostic("keys in \(context) must be plain words", at: pair.key.location))
                continue
            }
            entries.append((key, pair.key.location, pair.value))
        }
        self.entries = entries
    }

    /// Runs `load` (reading a file the field `key` names); its problems become
    /// this reader's diagnostics, placed at the key when they have no place of their own.
    public mutating func loading<T>(_ key: String, _ load: () throws -> T) -> T? {
        do {
            return try load()
        } catch let error as SpecError {
            for d in error.diagnostics { report(d.message, at: d.location ?? location(of: key), hint: d.hint) }
        } catch {
            report("\(error)", at: location(of: key))
        }
        return nil
    }

    /// Counts `keys` as known without reading them: they were handled elsewhere
    /// but should still be offered as suggestions for typos.
    public mutating func markKnown(_ keys: [String]) {
        known += keys
    }

    /// The keys present in the mapping, in file order.
    public var keys: [String] { entries.map(\.key) }

    public mutating func report(_ message: String, at location: SourceLocation, hint: String? = nil) {
        diagnostics.append(Diagnostic(message, at: location, hint: hint))
    }

    /// The raw value under `key`, marking the key as known.
    public mutating func raw(_ key: String) -> SpecValue? {
        known.append(key)
        return entries.first { $0.key == key }?.value
    }

    /// Location of `key` itself (for messages about a key), or of the mapping.
    public func location(of key: String) -> SourceLocation {
        entries.first { $0.key == key }?.keyLocation ?? value.location
    }

    public mutating func string(_ key: String) -> String? {
        guard let v = raw(key) else { return nil }
        switch v.kind {
        case .null: return nil
        case let .scalar(text, _): return text
        default:
            report("`\(key)` in \(context) must be a text value, found \(v.typeName)", at: v.location)
            return nil
        }
    }

    public mutating func requiredString(_ key: String, hint: String? = nil) -> String? {
        if let s = string(key) { return s }
        if entries.first(where: { $0.key == key }) == nil {
            report("\(context) is missing `\(key)`", at: value.location, hint: hint)
        }
        return nil
    }

    /// A whole number in `min...max`; give a `max` whenever later arithmetic
    /// on the number (`retries + 1`, a loop to it) could overflow or run forever.
    public mutating func int(_ key: String, min: Int? = nil, max: Int? = nil) -> Int? {
        guard let v = raw(key), let text = scalarOrReport(key, v) else { return nil }
        guard let n = Int(text) else {
            report("`\(key)` in \(context) must be a whole number, found `\(text)`", at: v.location)
            return nil
        }
        if let min, n < min {
            report("`\(key)` in \(context) must be at least \(min), found \(n)", at: v.location)
            return nil
        }
        if let max, n > max {
            report("`\(key)` in \(context) must be at most \(max), found \(n)", at: v.location)
            return nil
        }
        return n
    }

    public mutating func double(_ key: String) -> Double? {
        guard let v = raw(key), let text = scalarOrReport(key, v) else { return nil }
        guard let n = Double(text) else {
            report("`\(key)` in \(context) must be a number, found `\(text)`", at: v.location)
            return nil
        }
        return n
    }

    public mutating func bool(_ key: String) -> Bool? {
        guard let v = raw(key), let text = scalarOrReport(key, v) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report("`\(key)` in \(context) must be true or false, found `\(text)`", at: v.location)
            return nil
        }
    }

    public mutating func duration(_ key: String) -> Duration? {
        guard let v = raw(key), let text = scalarOrReport(key, v) else { return nil }
        guard let d = DurationText.parse(text) else {
            report("`\(key)` in \(context) must be a duration like `30s`, `5m`, `1h30m` or `500ms` (at most 3660d), found `\(text)`",
                   at: v.location)
            return nil
        }
        return d
    }

    /// A list of strings; a single string is accepted as a one-element list.
    public mutating func stringList(_ key: String) -> [String]? {
        guard let v = raw(key) else { return nil }
        switch v.kind {
        case .null: return []
        case let .scalar(text, _): return [text]
        case let .list(items):
            var out: [String] = []
            for item in items {
                if let s = item.scalar { out.append(s) } else {
                    report("items of `\(key)` in \(context) must be text, found \(item.typeName)", at: item.location)
                }
            }
            return out
        case .map:
            report("`\(key)` in \(context) must be a list, found a mapping", at: v.location)
            return nil
        }
    }

    /// A mapping of text to text, in file order (used for `params`, `env`).
    public mutating func stringMap(_ key: String) -> [(String, String)]? {
        guard let v = raw(key) else { return nil }
        if case .null = v.kind { return [] }
        guard var inner = MappingReader(v, context: "`\(key)` in \(context)", diagnostics: &diagnostics) else { return nil }
        var out: [(String, String)] = []
        for k in inner.keys {
            guard let item = inner.raw(k) else { continue }
            switch item.kind {
            case .null: out.append((k, ""))
            case let .scalar(text, _): out.append((k, text))
            default: inner.report("`\(key).\(k)` must be a text value, found \(item.typeName)", at: item.location)
            }
        }
        diagnostics += inner.finish()
        return out
    }

    /// Reports every key that no reader asked for, suggesting the nearest
    /// known key, and returns all diagnostics collected.
    public mutating func finish() -> [Diagnostic] {
        for entry in entries where !known.contains(entry.key) {
            let hint = KeySuggestion.nearest(to: entry.key, among: known).map { "did you mean `\($0)`?" }
                ?? "known keys here: " + known.map { "`\($0)`" }.joined(separator: ", ")
            report("unknown key `\(entry.key)` in \(context)", at: entry.keyLocation, hint: hint)
        }
        known = entries.map(\.key)
        return diagnostics
    }

    /// The scalar of a typed field; a `{{ template }}` is left for run time
    /// (rendered then, and checked again), so it yields nil here.
    private mutating func scalarOrReport(_ key: String, _ v: SpecValue) -> String? {
        switch v.kind {
        case .null: return nil
        case let .scalar(text, _): return text.contains("{{") ? nil : text
        default:
            report("`\(key)` in \(context) must be a single value, found \(v.typeName)", at: v.location)
            return nil
        }
    }
}

/// Edit-distance suggestions for misspelt keys and ids.
public enum KeySuggestion {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    public static func nearest(to word: String, among candidates: [String]) -> String? {
        // The distance table is length × length, so very long names get no
        // suggestion; and a length difference over 3 (the largest distance
        // ever suggested) rules a candidate out without computing anything.
        guard word.count <= maxLength else { return nil }
        let plausible = candidates.filter { $0.count <= maxLength && abs($0.count - word.count) <= 3 }
        let scored = plausible.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let limit = max(1, min(3, best.0.count / 3 + 1))
        return best.1 <= limit ? best.0 : nil
    }

    /// Names longer than this are never compared.
    public static let maxLength = 200

    /// Damerau-Levenshtein (optimal string alignment) distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
