import Foundation

/// Durations as people write them in YAML: `500ms`, `30s`, `5m`, `1h30m`, `2d`.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return nil }
        if let seconds = Double(s), seconds >= 0 { return .milliseconds(Int64((seconds * 1000).rounded())) }
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
            guard let value = Double(number), value >= 0, !unit.isEmpty else { return nil }
            let ms: Double
            switch unit {
            case "ms": ms = value
            case "s": ms = value * 1000
            case "m": ms = value * 60_000
            case "h": ms = value * 3_600_000
            case "d": ms = value * 86_400_000
            default: return nil
            }
            total += .milliseconds(Int64(ms.rounded()))
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
    /// Seconds as a Double, for arithmetic on backoff and timing.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
