import Foundation

/// The one JSON contract of every `--json` output and of `run_results.json`:
/// snake_case keys (from the Swift names, by the encoder), `null` for an
/// absent value (``Nullable``), ISO 8601 UTC timestamps with milliseconds,
/// sorted keys, and a top-level object carrying ``schemaVersion``.
/// Data keys (param names, column names, states in counts) are left as they are.
public enum JSONOutput {
    /// The version of the documents' shape; bumped when a key is renamed or removed.
    public static let schemaVersion = 1

    /// The encoder every document goes through.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(timestamp(date))
        }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `2026-12-02T08:33:08.123Z`.
    public static func timestamp(_ date: Date) -> String {
        date.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The document as text, ready to print or write.
    public static func render<T: Encodable>(_ document: T) throws -> String {
        String(decoding: try encoder().encode(document), as: UTF8.self)
    }
}

/// An optional value that is encoded as `null` when absent instead of
/// leaving its key out (what the synthesized `Encodable` does with optionals).
@propertyWrapper
public struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

/// A JSON value kept as JSON (a test's sample rows, a query's cells): never
/// a string holding JSON.
public enum JSONValue: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text; text that is not JSON stays a string.
    public init(parsing text: String) {
        self = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null
        } else if let b = try? c.decode(Bool.self) { self = .bool(b)
        } else if let i = try? c.decode(Int.self) { self = .integer(i)
        } else if let d = try? c.decode(Double.self) { self = .number(d)
        } else if let s = try? c.decode(String.self) { self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) { self = .array(a)
        } else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// A database cell as Postgres prints it: a number when its column is numeric, else text.
    public init(cell: String?, numeric: Bool) {
        guard let cell else { self = .null; return }
        if numeric, let i = Int(cell) { self = .integer(i); return }
        if numeric, let d = Double(cell), d.isFinite { self = .number(d); return }
        self = .string(cell)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .number(d): try c.encode(d)
        case let .integer(i): try c.encode(i)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }
}
