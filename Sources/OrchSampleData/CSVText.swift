/// A growing byte buffer for CSV output: cheaper than String concatenation
/// for 50,000 lines, and byte-exact across platforms. The one CSV writer:
/// the sample data and `orch query --format csv` both quote through it.
public struct CSVText: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// The rows written so far, as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// One field, quoted only when it holds a comma, a quote or a line break.
    public mutating func field(_ s: String) {
        if s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
            bytes.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                if b == UInt8(ascii: "\"") { bytes.append(b) }
                bytes.append(b)
            }
            bytes.append(UInt8(ascii: "\""))
        } else {
            bytes.append(contentsOf: s.utf8)
        }
    }

    mutating func int(_ n: Int) { bytes.append(contentsOf: String(n).utf8) }

    /// Cents as the data set prints money: `153.71`, `6.5`, `10`.
    mutating func money(_ cents: Int) { bytes.append(contentsOf: Money.text(cents).utf8) }

    mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    mutating func newline() { bytes.append(10) }

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    public mutating func row(_ fields: [String]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { comma() }
            field(f)
        }
        newline()
    }
}

public enum Money {
    /// Cents as text with no trailing zeros: 15371 → "153.71", 650 → "6.5", 1000 → "10".
    public static func text(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let c = abs(cents)
        let whole = c / 100, frac = c % 100
        if frac == 0 { return "\(sign)\(whole)" }
        if frac % 10 == 0 { return "\(sign)\(whole).\(frac / 10)" }
        return "\(sign)\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }
}
