import Foundation

/// Next fire times of a cron expression in a time zone, with Debian cron's
/// daylight-saving rules:
/// - a fixed-time job whose time falls in the skipped hour (spring forward)
///   fires once, at the first instant after the gap;
/// - a fixed-time job whose time falls in the repeated hour (fall back)
///   fires once, at the first occurrence;
/// - a wildcard job (minute or hour starting with `*`) follows the wall clock:
///   skipped times do not happen, repeated times fire twice.
public struct CronSchedule: Sendable, Hashable {
    public let expression: CronExpression
    public let timeZone: TimeZone

    public init(_ expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
    }

    /// The first fire time strictly after `date`, or nil within `years` years.
    public func next(after date: Date, years: Int = 8) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        // Walk local calendar days from the day of `date`.
        let start = calendar.dateComponents([.year, .month, .day], from: date)
        guard var day = utc.date(from: DateComponents(year: start.year, month: start.month, day: start.day)) else { return nil }
        for _ in 0..<(366 * years) {
            let c = utc.dateComponents([.year, .month, .day, .weekday], from: day)
            if expression.matchesDay(month: c.month!, day: c.day!, weekday: c.weekday! - 1) {
                if let found = fires(on: day, calendar: utc).first(where: { $0 > date }) { return found }
            }
            day = utc.date(byAdding: .day, value: 1, to: day)!
        }
        return nil
    }

    /// The next `count` fire times after `date`.
    public func next(_ count: Int, after date: Date) -> [Date] {
        var out: [Date] = []
        var cursor = date
        while out.count < count, let n = next(after: cursor) {
            out.append(n)
            cursor = n
        }
        return out
    }

    /// Every fire instant of one local day, sorted. `day` is the local date at
    /// midnight expressed as if it were UTC ("wall time as UTC").
    func fires(on day: Date, calendar utc: Calendar) -> [Date] {
        var found = Set<Date>()
        for h in expression.hours.sorted() {
            for m in expression.minutes.sorted() {
                for s in expression.seconds.sorted() {
                    let wall = day.addingTimeInterval(TimeInterval(h * 3600 + m * 60 + s))
                    let resolved = instants(for: wall)
                    if resolved.isEmpty {
                        // In the spring-forward gap: fixed-time jobs run right after it.
                        if !expression.isWildcard, let after = firstInstantAfterGap(wall) { found.insert(after) }
                    } else if expression.isWildcard {
                        found.formUnion(resolved)
                    } else {
                        found.insert(resolved.min()!)
                    }
                }
            }
        }
        return found.sorted()
    }

    /// The instants whose local wall time is `wall` (0 in a gap, 2 in a repeated hour).
    func instants(for wall: Date) -> [Date] {
        let offsets = Set([timeZone.secondsFromGMT(for: wall.addingTimeInterval(-86_400)),
                           timeZone.secondsFromGMT(for: wall.addingTimeInterval(86_400)),
                           timeZone.secondsFromGMT(for: wall)])
        return offsets.compactMap { offset -> Date? in
            let instant = wall.addingTimeInterval(TimeInterval(-offset))
            return timeZone.secondsFromGMT(for: instant) == offset ? instant : nil
        }.sorted()
    }

    func firstInstantAfterGap(_ wall: Date) -> Date? {
        let before = timeZone.secondsFromGMT(for: wall.addingTimeInterval(-86_400))
        return timeZone.nextDaylightSavingTimeTransition(after: wall.addingTimeInterval(TimeInterval(-before) - 86_400))
    }
}

/// `every: 30s`: ticks at whole multiples of the interval since `anchor` (the Unix epoch by default).
public struct IntervalSchedule: Sendable, Hashable {
    public let interval: Duration
    public let anchor: Date

    public init(interval: Duration, anchor: Date = Date(timeIntervalSince1970: 0)) {
        self.interval = interval
        self.anchor = anchor
    }

    public func next(after date: Date) -> Date {
        let step = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let n = ((date.timeIntervalSince(anchor)) / step).rounded(.down) + 1
        return anchor.addingTimeInterval(n * step)
    }
}
