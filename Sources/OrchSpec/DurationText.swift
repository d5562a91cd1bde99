import Foundation

/// Durations as people write them in YAML: `500ms`, `30s`, `5m`, `1h30m`, `2d`.
/// Every duration read from outside (YAML, flags, environment) is at most
/// `Duration.longest`; beyond that, or `inf`/`nan`, it does not parse.
public enum DurationText {
    /// - Parameter requireUnit: refuse a bare number (`90`): for flags where
    ///   seconds would be a dangerous reading (`prune --older-than 90`).
    public static func parse(_ text: String, requireUnit: Bool = false) -> Duration? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty, s.utf8.count <= 64 else { return nil }
        if let seconds = Double(s) { return requireUnit ? nil : Duration(checkedSeconds: seconds) }
        var total: Duration = .zero
        var number = ""
        var i = s.startIndex
        var sawUnit = false
        while i < s.endIndex {
            let c = s[i]
            if c.isNumber || c == "." {
                number.append(c)
                i = s.index(after: i)
                continue
            }
            var unit = ""
            while i < s.endIndex, s[i].isLetter { unit.append(s[i]); i = s.index(after: i) }
            guard let value = Double(number), value.isFinite, value >= 0, !unit.isEmpty else { return nil }
            let ms: Double
            switch unit {
            case "ms": ms = value
            case "s": ms = value * 1000
            case "m": ms = value * 60_000
            case "h": ms = value * 3_600_000
            case "d": ms = value * 86_400_000
            default: return nil
            }
            guard let part = Duration(checkedSeconds: ms / 1000), total + part <= .longest else { return nil }
            total += part
            number = ""
            sawUnit = true
        }
        return sawUnit && number.isEmpty ? total : nil
    }

    /// `1m30s`, `2.5s`, `250ms`: short, for messages and tables.
    public static func format(_ d: Duration) -> String {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        if ms < 1000 { return "\(Int(ms.rounded()))ms" }
        let seconds = ms / 1000
        if seconds < 60 {
            let rounded = (seconds * 10).rounded() / 10
            return rounded == rounded.rounded() ? "\(Int(rounded))s" : "\(rounded)s"
        }
        let whole = Int(seconds.rounded())
        let h = whole / 3600, m = (whole % 3600) / 60, sec = whole % 60
        if h > 0 { return m > 0 ? "\(h)h\(m)m" : "\(h)h" }
        return sec > 0 ? "\(m)m\(sec)s" : "\(m)m"
    }
}

extension Duration {
    /// The longest duration orch accepts from outside: ten years. Longer
    /// timeouts, intervals or waits are mistakes, and bounding them keeps
    /// every conversion to milliseconds or nanoseconds in range.
    public static let longest: Duration = .seconds(10 * 366 * 86_400)

    /// A duration from a number of seconds that came from outside (a header,
    /// a file, a flag): nil for NaN, infinity, negative or over `longest`.
    /// The one place a Double becomes a Duration, so no input can trap.
    public init?(checkedSeconds seconds: Double) {
        guard seconds.isFinite, seconds >= 0, seconds <= Duration.longest.seconds else { return nil }
        self = .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// A duration clamped into [0, `longest`] (NaN is zero): for values
    /// orch computes itself, such as backoff, where a bound is better than a trap.
    public init(clampedSeconds seconds: Double) {
        self = Duration(checkedSeconds: seconds.isNaN ? 0 : Swift.min(Swift.max(seconds, 0), Duration.longest.seconds)) ?? .zero
    }

    /// Whole milliseconds, saturating at `Int64` (for `statement_timeout` and the like).
    public var wholeMilliseconds: Int64 {
        let (s, atto) = components
        let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
        if overflow { return s < 0 ? .min : .max }
        return ms.addingReportingOverflow(atto / 1_000_000_000_000_000).overflow ? .max : ms + atto / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, saturating at `Int64` (for NIO's `TimeAmount`).
    public var wholeNanoseconds: Int64 {
        let (s, atto) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? .min : .max }
        let (sum, o2) = ns.addingReportingOverflow(atto / 1_000_000_000)
        return o2 ? .max : sum
    }

    /// Seconds as a Double, for arithmetic on backoff and timing.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
