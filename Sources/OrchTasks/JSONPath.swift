/// The small path syntax of `http_poll`: `$`, `$.a.b`, `$.list[0]`,
/// `$.articles[*]` (each item), `$['odd key']`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
        case each
    }

    public var steps: [Step]
    public var description: String

    /// - Throws: `JSONPathError` saying where the path is malformed.
    public init(parsing text: String) throws {
        description = text
        var chars = Array(text.trimmingCharacters(in: .whitespaces))
        guard chars.first == "$" else { throw JSONPathError("`\(text)` must start with `$`") }
        chars.removeFirst()
        var steps: [Step] = []
        var i = 0
        while i < chars.count {
            switch chars[i] {
            case ".":
                var j = i + 1
                while j < chars.count && chars[j] != "." && chars[j] != "[" { j += 1 }
                guard j > i + 1 else { throw JSONPathError("`\(text)`: empty key after `.`") }
                steps.append(.key(String(chars[(i + 1)..<j])))
                i = j
            case "[":
                guard let close = chars[i...].firstIndex(of: "]") else { throw JSONPathError("`\(text)`: `[` without `]`") }
                let inner = String(chars[(i + 1)..<close]).trimmingCharacters(in: .whitespaces)
                if inner == "*" {
                    steps.append(.each)
                } else if let n = Int(inner) {
                    steps.append(.index(n))
                } else if inner.count >= 2, let q = inner.first, (q == "'" || q == "\""), inner.last == q {
                    steps.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    throw JSONPathError("`\(text)`: `[\(inner)]` must be a number, `*` or a quoted key")
                }
                i = close + 1
            default:
                throw JSONPathError("`\(text)`: unexpected `\(chars[i])`; use `.key` or `[n]`")
            }
        }
        self.steps = steps
    }

    /// Every value the path reaches in `root` (several with `[*]`, none when a step is missing).
    public func values(in root: Any) -> [Any] {
        var current: [Any] = [root]
        for step in steps {
            var next: [Any] = []
            for value in current {
                switch step {
                case let .key(k):
                    if let object = value as? [String: Any], let v = object[k] { next.append(v) }
                case let .index(n):
                    if let array = value as? [Any] {
                        let idx = n < 0 ? array.count + n : n
                        if array.indices.contains(idx) { next.append(array[idx]) }
                    }
                case .each:
                    if let array = value as? [Any] { next.append(contentsOf: array) }
                }
            }
            current = next
        }
        return current
    }

    /// The single value at the path, or nil.
    public func value(in root: Any) -> Any? { values(in: root).first }
}

public struct JSONPathError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

import Foundation
