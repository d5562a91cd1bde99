import Foundation

/// Reading orch's `--json` documents as a script would, strictly: every
/// documented key must be there (a nullable one as `null`, see ``Present``),
/// every key, recursively, is snake_case, timestamps are ISO 8601 UTC with
/// milliseconds, and the top level carries `"schema_version": 1`.
public enum JSONContract {
    public struct Violation: Error, CustomStringConvertible {
        public var description: String
    }

    /// Keys whose values are data (param names, column names, counts by state):
    /// their own keys are not checked for snake_case.
    public static let dataKeys: Set<String> = ["params", "task_counts", "sizes", "param_changes", "rows", "sample_rows"]

    /// Decodes `text` into `T` after checking the contract's rules on its raw form.
    public static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let data = Data(text.utf8)
        guard let top = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Violation(description: "the document is not an object: \(text.prefix(200))")
        }
        guard top["schema_version"] as? Int == 1 else { throw Violation(description: "no \"schema_version\": 1 at the top") }
        try checkKeys(top, path: "$")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard isTimestamp(s), let date = try? Date(s, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "`\(s)` is not an ISO 8601 UTC time with milliseconds")
            }
            return date
        }
        return try decoder.decode(T.self, from: data)
    }

    /// `2026-12-02T08:33:08.123Z`.
    public static func isTimestamp(_ s: String) -> Bool {
        s.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil
    }

    static func checkKeys(_ value: Any, path: String) throws {
        if let object = value as? [String: Any] {
            for (key, child) in object {
                guard key.wholeMatch(of: /[a-z][a-z0-9_]*/) != nil else {
                    throw Violation(description: "key `\(key)` at \(path) is not snake_case")
                }
                if dataKeys.contains(key) {
                    // Data keys keep their own names; values below them are still checked when they are objects of the contract.
                    if let rows = child as? [Any] { for (i, row) in rows.enumerated() where !(row is [String: Any]) { try checkKeys(row, path: "\(path).\(key)[\(i)]") } }
                    continue
                }
                try checkKeys(child, path: "\(path).\(key)")
            }
        } else if let array = value as? [Any] {
            for (i, element) in array.enumerated() { try checkKeys(element, path: "\(path)[\(i)]") }
        }
    }
}

/// A nullable field that must be present: decoding fails when its key is
/// missing (as for any other field), while `null` reads as nil.
@propertyWrapper
public struct Present<Value: Decodable & Sendable>: Decodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }
}
