import Foundation
import OrchSpec

/// How human output shows a time: the one rule. Local time with its zone
/// (`2026-12-02 09:33:08 +01:00`), or UTC with `--utc` (`2026-12-02 08:33:08 UTC`).
/// The zone is always an offset, never an abbreviation: Foundation knows
/// `EST` but prints `GMT+1` for Berlin, and a mix of both reads badly.
/// JSON never uses this: it is always UTC (``JSONOutput``).
public struct TimeDisplay: Sendable, Hashable {
    public var timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    public static let utc = TimeDisplay(timeZone: TimeZone(identifier: "UTC")!)

    /// The machine's zone (`TZ`), or UTC when `utc` is set (`--utc`).
    public static func choose(utc: Bool) -> TimeDisplay { utc ? .utc : TimeDisplay(timeZone: .current) }

    /// `2026-12-02 09:33:08 +01:00`.
    public func format(_ date: Date) -> String { "\(wallClock(date, "yyyy-MM-dd HH:mm:ss")) \(zone(at: date))" }

    /// `09:33:08`, for lines printed under one that names the zone.
    /// Arithmetic, not a `DateFormatter`: progress prints two of these per task.
    public func clock(_ date: Date) -> String {
        let local = Int((date.timeIntervalSince1970).rounded(.down)) + timeZone.secondsFromGMT(for: date)
        let second = ((local % 86_400) + 86_400) % 86_400
        // By hand: `String(format:)` was most of a console line's cost (a line per state change).
        func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return twoDigits(second / 3600) + ":" + twoDigits(second / 60 % 60) + ":" + twoDigits(second % 60)
    }

    /// `Sun 2026-03-29 03:30:00 +02:00`, as `systemd-analyze calendar` prints a fire time.
    public func withWeekday(_ date: Date) -> String { "\(wallClock(date, "EEE yyyy-MM-dd HH:mm:ss")) \(zone(at: date))" }

    /// `2026-03-29T03:30:00.000+02:00`: ISO 8601 on this zone's wall clock.
    public func iso8601(_ date: Date) -> String { wallClock(date, "yyyy-MM-dd'T'HH:mm:ss.SSS") + offset(at: date) }

    /// `UTC`, or the offset in effect at `date` (`+01:00`, `-04:00`, `+05:30`).
    public func zone(at date: Date) -> String {
        timeZone.identifier == "UTC" || timeZone.identifier == "GMT" ? "UTC" : offset(at: date)
    }

    /// `+01:00`, `-04:00`, `+00:00`.
    public func offset(at date: Date) -> String {
        let seconds = timeZone.secondsFromGMT(for: date)
        let minutes = abs(seconds) / 60
        return String(format: "%@%02d:%02d", seconds < 0 ? "-" : "+", minutes / 60, minutes % 60)
    }

    func wallClock(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = pattern
        return f.string(from: date)
    }
}

/// `--since`: `2d` / `12h` (that long ago), a date (`2026-12-01`: its midnight
/// in `timeZone`), or an ISO 8601 time (`2026-12-01T08:00:00Z`).
public enum SinceText {
    public static func parse(_ text: String, now: Date = Date(), timeZone: TimeZone = .current) -> Date? {
        if let age = DurationText.parse(text, requireUnit: true) { return now.addingTimeInterval(-age.seconds) }
        if let d = try? Date(text, strategy: .iso8601) { return d }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "yyyy-MM-dd"
        f.isLenient = false
        return text.count == 10 ? f.date(from: text) : nil
    }

    public static let expected = "an age like 2d or 12h, a date like 2026-12-01, or an ISO 8601 time like 2026-12-01T08:00:00Z"
}
