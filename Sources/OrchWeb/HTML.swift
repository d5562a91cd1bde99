import Foundation

/// Markup that is safe to send: literals are trusted (they are ours), and
/// every interpolated `String` is escaped on the way in. So a page is built
/// as `HTML("<td>\(task.id)</td>")`, and a task named
/// `<script>alert(1)</script>` shows as text: the one escaping function,
/// applied by the type rather than remembered at each handler.
public struct HTML: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public private(set) var markup: String

    /// Markup from a trusted source (a literal, or HTML built from parts).
    public init(stringLiteral value: String) { markup = value }

    public init(stringInterpolation: StringInterpolation) { markup = stringInterpolation.markup }

    /// Markup produced elsewhere in this module and already safe (SVG from the layouts).
    init(trusted markup: String) { self.markup = markup }

    public static let empty = HTML(trusted: "")

    public var description: String { markup }

    public static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(trusted: lhs.markup + rhs.markup) }

    public static func += (lhs: inout HTML, rhs: HTML) { lhs.markup += rhs.markup }

    /// Text as HTML: `&`, `<`, `>`, `"` and `'` as entities, so it is safe in
    /// element content and in quoted attribute values alike.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters (a log line may hold any byte) would make the page invalid: shown as U+FFFD.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var markup = ""

        public init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity + 16 * interpolationCount) }

        public mutating func appendLiteral(_ literal: String) { markup += literal }

        /// Text: escaped.
        public mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }

        /// Text or nothing.
        public mutating func appendInterpolation(_ text: String?) { markup += HTML.escape(text ?? "") }

        /// Markup: as it is.
        public mutating func appendInterpolation(_ html: HTML) { markup += html.markup }

        /// Markup pieces, one after the other.
        public mutating func appendInterpolation(_ parts: [HTML]) { for p in parts { markup += p.markup } }

        public mutating func appendInterpolation(_ number: Int) { markup += String(number) }

        /// A coordinate or measure: one decimal is enough for a picture.
        public mutating func appendInterpolation(_ number: Double) {
            markup += number.isFinite ? String(format: "%.1f", number) : "0"
        }

        /// A link target: each path segment percent-encoded, then escaped for the attribute.
        public mutating func appendInterpolation(href: WebPath) { markup += HTML.escape(href.text) }
    }
}

extension Sequence where Element == HTML {
    public func joined(separator: HTML = .empty) -> HTML {
        HTML(trusted: map(\.markup).joined(separator: separator.markup))
    }
}

/// A path on this server with its query, built from parts so that a task
/// id with `/`, `?` or `#` in it still names that task.
public struct WebPath: Sendable, Hashable {
    public private(set) var text: String

    /// `/run/<id>/task/<task>`: each segment percent-encoded.
    public init(_ segments: String..., query: [(String, String?)] = []) {
        self.init(segments: segments, query: query)
    }

    public init(segments: [String], query: [(String, String?)] = []) {
        text = "/" + segments.map(Self.encode).joined(separator: "/")
        let pairs = query.compactMap { key, value in value.map { "\(Self.encode(key))=\(Self.encode($0))" } }
        if !pairs.isEmpty { text += "?" + pairs.joined(separator: "&") }
    }

    /// Unreserved characters stay; everything else is %XX of its UTF-8 bytes.
    static func encode(_ part: String) -> String {
        var out = ""
        for byte in part.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
