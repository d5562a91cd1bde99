/// How many segments to train: a fixed number, or `auto` (the k from 2 to 8
/// with the best silhouette). One reading for the YAML `k:` and `--k`, so
/// the two accept the same values.
public enum SegmentCount: Sendable, Hashable, CustomStringConvertible {
    case auto
    case fixed(Int)

    public static let allowed = 2...20
    public static let expected = "a number from \(allowed.lowerBound) to \(allowed.upperBound) or `auto`"

    /// Reads `auto` or a number in `allowed`; nil for anything else.
    public init?(_ text: String) {
        if text == "auto" { self = .auto; return }
        guard let n = Int(text), Self.allowed.contains(n) else { return nil }
        self = .fixed(n)
    }

    /// The k to train with, nil to choose it.
    public var k: Int? {
        if case let .fixed(n) = self { return n }
        return nil
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case let .fixed(n): String(n)
        }
    }
}
