/// A YAML value with the place it came from, so that every later check can
/// point at the exact line and column of what it rejects.
public struct SpecValue: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case null
        /// A scalar as written; `quoted` scalars are never read as numbers or booleans.
        case scalar(String, quoted: Bool)
        case list([SpecValue])
        /// Keys keep their own locations and the file's order.
        case map([(key: SpecValue, value: SpecValue)])

        public static func == (lhs: Kind, rhs: Kind) -> Bool {
            switch (lhs, rhs) {
            case (.null, .null): return true
            case let (.scalar(a, qa), .scalar(b, qb)): return a == b && qa == qb
            case let (.list(a), .list(b)): return a == b
            case let (.map(a), .map(b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .null: hasher.combine(0)
            case let .scalar(s, q): hasher.combine(s); hasher.combine(q)
            case let .list(items): hasher.combine(items)
            case let .map(pairs):
                for pair in pairs { hasher.combine(pair.key); hasher.combine(pair.value) }
            }
        }
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// The scalar text, if this is a scalar.
    public var scalar: String? {
        if case let .scalar(text, _) = kind { return text }
        return nil
    }

    /// What a reader calls this kind of value in an error message.
    public var typeName: String {
        switch kind {
        case .null: return "nothing (null)"
        case .scalar: return "a scalar"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    /// A plain Swift rendering (strings, lists, dictionaries) for hashing and JSON.
    public var plain: PlainValue {
        switch kind {
        case .null: return .null
        case let .scalar(text, _): return .string(text)
        case let .list(items): return .list(items.map(\.plain))
        case let .map(pairs): return .map(pairs.map { ($0.key.scalar ?? "", $0.value.plain) })
        }
    }

    /// Rewrites every scalar (not keys) with `transform`, keeping locations.
    public func mapScalars(_ transform: (String, SourceLocation) throws -> String) rethrows -> SpecValue {
        switch kind {
        case .null: return self
        case let .scalar(text, quoted):
            return SpecValue(.scalar(try transform(text, location), quoted: quoted), at: location)
        case let .list(items):
            return SpecValue(.list(try items.map { try $0.mapScalars(transform) }), at: location)
        case let .map(pairs):
            return SpecValue(.map(try pairs.map { ($0.key, try $0.value.mapScalars(transform)) }), at: location)
        }
    }
}

/// A location-free value tree: what a spec hash and JSON output are made of.
public indirect enum PlainValue: Sendable, Hashable {
    case null
    case string(String)
    case list([PlainValue])
    case map([(String, PlainValue)])

    public static func == (lhs: PlainValue, rhs: PlainValue) -> Bool {
        lhs.canonical == rhs.canonical
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }

    /// A stable JSON text (keys in file order), used for hashing and storage.
    public var canonical: String {
        var out = ""
        appendCanonical(to: &out)
        return out
    }

    /// Into one buffer: joining each level's pieces was 6 % of validating 10,000 tasks.
    private func appendCanonical(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .string(s): JSONText.quote(s, into: &out)
        case let .list(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.appendCanonical(to: &out)
            }
            out += "]"
        case let .map(pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                JSONText.quote(pair.0, into: &out)
                out += ":"
                pair.1.appendCanonical(to: &out)
            }
            out += "}"
        }
    }
}

/// Minimal JSON string quoting, so Spec needs no encoder for canonical text.
public enum JSONText {
    public static func quote(_ s: String) -> String {
        var out = ""
        quote(s, into: &out)
        return out
    }

    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Most values need no escape: appended whole instead of a scalar at a time.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
