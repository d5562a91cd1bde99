import Foundation
import OrchSpec

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

    /// How far `next` looks ahead; `CronExpression` refuses day fields that
    /// can go longer than this without a match.
    public static let horizonYears = 8

    /// The first fire time strictly after `date`, or nil within `years` years.
    public func next(after date: Date, years: Int = horizonYears) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = .gmt
        // Walk local calendar days from the day of `date`.
        let start = calendar.dateComponents([.year, .month, .day], from: date)
        guard var day = utc.date(from: DateComponents(year: start.year, month: start.month, day: start.day)) else { return nil }
        let times = FireTimes(expression)
        for _ in 0..<(366 * max(0, min(years, 400))) {
            let c = utc.dateComponents([.month, .day, .weekday], from: day)
            guard let month = c.month, let dayOfMonth = c.day, let weekday = c.weekday else { return nil }
            if expression.matchesDay(month: month, day: dayOfMonth, weekday: weekday - 1),
               let found = firstFire(on: day, after: date, times: times) {
                return found
            }
            // "Wall time as UTC" has no daylight saving: a day is always 86,400 s.
            day = day.addingTimeInterval(86_400)
        }
        return nil
    }

    /// The time-of-day fields in order, sorted once per `next`.
    struct FireTimes {
        let hours: [Int], minutes: [Int], seconds: [Int]
        init(_ e: CronExpression) {
            hours = e.hours.sorted()
            minutes = e.minutes.sorted()
            seconds = e.seconds.sorted()
        }
    }

    /// The first fire instant of one local day after `date`, or nil. Instants
    /// of a wall time lie between it less the largest and less the smallest
    /// UTC offset around that day, so wall times that cannot be after `date`
    /// are skipped unresolved, and the walk stops once no later wall time can
    /// beat the best found. On most days the offset is steady, and that is
    /// the first wall time past `date` (not all 86,400 of `* * * * * *`).
    func firstFire(on day: Date, after date: Date, times: FireTimes) -> Date? {
        let (least, most) = offsetRange(around: day)
        var best: Date?
        /// The earliest and latest instant of wall time `seconds` past midnight.
        func earliest(_ seconds: Int) -> Date { day.addingTimeInterval(TimeInterval(seconds - most)) }
        func latest(_ seconds: Int) -> Date { day.addingTimeInterval(TimeInterval(seconds - least)) }
        for h in times.hours where latest(h * 3600 + 3599) > date {
            if let best, earliest(h * 3600) > best { return best }
            for m in times.minutes where latest(h * 3600 + m * 60 + 59) > date {
                for s in times.seconds {
                    let seconds = h * 3600 + m * 60 + s
                    guard latest(seconds) > date else { continue }
                    if let best, earliest(seconds) > best { return best }
                    if least == most {
                        // No change of offset: one instant, and the first one past `date` wins.
                        return latest(seconds)
                    }
                    for instant in resolve(day.addingTimeInterval(TimeInterval(seconds))) where instant > date {
                        best = min(best ?? instant, instant)
                    }
                }
            }
        }
        return best
    }

    /// The smallest and largest UTC offset of the stretch `instants` looks at
    /// for `day` (the day before to the day after, with room for the offset).
    func offsetRange(around day: Date) -> (Int, Int) {
        let from = day.addingTimeInterval(-2 * 86_400), to = day.addingTimeInterval(3 * 86_400)
        var offsets = [timeZone.secondsFromGMT(for: from), timeZone.secondsFromGMT(for: to)]
        var cursor = from
        // A handful of changes at most in five days; the bound only guards the loop.
        for _ in 0..<8 {
            guard let change = timeZone.nextDaylightSavingTimeTransition(after: cursor), change < to else { break }
            offsets.append(timeZone.secondsFromGMT(for: change))
            cursor = change
        }
        return (offsets.min() ?? 0, offsets.max() ?? 0)
    }

    /// The instants a job fires at for one wall time ("wall time as UTC"), by Debian's rules.
    func resolve(_ wall: Date) -> [Date] {
        let resolved = instants(for: wall)
        guard let first = resolved.first else {
            // In the spring-forward gap: fixed-time jobs run right after it, wildcard jobs not at all.
            return expression.isWildcard ? [] : firstInstantAfterGap(wall).map { [$0] } ?? []
        }
        // In the repeated hour: wildcard jobs run at both, fixed-time jobs at the first.
        return expression.isWildcard ? resolved : [first]
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
///
/// Counted in whole milliseconds (the grain of `every:` durations): tick n is
/// at `anchor + n × interval`, with n and the product in checked integers, so
/// fractional steps (`100ms`) land exactly and a huge interval is "no next
/// tick" (nil) rather than an overflow or a date past any calendar.
public struct IntervalSchedule: Sendable, Hashable {
    public let interval: Duration
    public let anchor: Date

    /// Ticks past this are not scheduled (year 4001).
    public static let latest = Date.distantFuture

    public init(interval: Duration, anchor: Date = Date(timeIntervalSince1970: 0)) {
        self.interval = interval
        self.anchor = anchor
    }

    /// The interval in milliseconds, nil when under 1 ms or too big to count in.
    var stepMilliseconds: Int64? {
        // The one Duration → ms conversion saturates; a saturated count is "too big".
        let ms = interval.wholeMilliseconds
        guard ms > 0, ms != .max else { return nil }
        return ms
    }

    public func next(after date: Date) -> Date? {
        guard let n = index(after: date), let tick = self.date(ofTick: n), tick <= Self.latest else { return nil }
        return tick
    }

    /// The number of the first tick strictly after `date`.
    func index(after date: Date) -> Int64? {
        guard let step = stepMilliseconds else { return nil }
        let offset = (date.timeIntervalSince(anchor) * 1000).rounded(.down)
        // Dates are Doubles of seconds: this far out they have no milliseconds left to count.
        guard offset.isFinite, abs(offset) < Double(Self.farthest) else { return nil }
        let ms = Int64(offset)
        // Floor division, also before the anchor.
        var n = ms / step - (ms % step < 0 ? 1 : 0) + 1
        // Milliseconds of a Double date are a hair off either way: a tick equal
        // to `date` may count as after it, or the tick before may be after it.
        for _ in 0..<3 {
            guard let previous = self.date(ofTick: n - 1), previous > date else { break }
            n -= 1
        }
        for _ in 0..<3 {
            guard let tick = self.date(ofTick: n) else { return nil }
            if tick > date { return n }
            n += 1
        }
        return nil
    }

    /// ±9e15 ms (285,000 years): still exact in a Double, far from overflowing.
    static let farthest: Int64 = 9_000_000_000_000_000

    /// Tick number `n` (not capped at `latest`), or nil when the arithmetic would overflow.
    func date(ofTick n: Int64) -> Date? {
        guard let step = stepMilliseconds else { return nil }
        let (ms, overflow) = n.multipliedReportingOverflow(by: step)
        guard !overflow, abs(ms) < Self.farthest else { return nil }
        // Whole seconds and the remainder apart, so whole-second ticks are exact.
        return anchor.addingTimeInterval(TimeInterval(ms / 1000)).addingTimeInterval(TimeInterval(ms % 1000) / 1000)
    }

    /// Ticks in (`after`, `until`], the latest `limit` of them, by arithmetic
    /// (a catchup over a long outage of `every: 1ms` is not a loop over billions).
    public func ticks(after: Date, until: Date, limit: Int) -> [Date] {
        let until = min(until, Self.latest)
        guard limit > 0, until > after, let first = index(after: after), let beyond = index(after: until) else { return [] }
        let last = beyond - 1
        guard last >= first else { return [] }
        let from = last - first + 1 > Int64(limit) ? last - Int64(limit) + 1 : first
        return (from...last).compactMap(date(ofTick:))
    }
}
