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
               let found = firstFire(on: day, after: date, times: times, calendar: utc) {
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

    /// The first fire instant of one local day after `date`. On a day whose
    /// UTC offset is steady (most days), instants are the wall times shifted
    /// by that offset, in order, so the first one after `date` is the answer
    /// without resolving every time of the day (86,400 of them for `* * * * * *`).
    func firstFire(on day: Date, after date: Date, times: FireTimes, calendar utc: Calendar) -> Date? {
        guard let offset = steadyOffset(around: day) else { return fires(on: day, calendar: utc).first { $0 > date } }
        let midnight = day.addingTimeInterval(TimeInterval(-offset))
        // Whole hours or minutes that end before `date` are skipped without looking at their seconds.
        for h in times.hours where midnight.addingTimeInterval(TimeInterval(h * 3600 + 3599)) > date {
            for m in times.minutes where midnight.addingTimeInterval(TimeInterval(h * 3600 + m * 60 + 59)) > date {
                for s in times.seconds {
                    let instant = midnight.addingTimeInterval(TimeInterval(h * 3600 + m * 60 + s))
                    if instant > date { return instant }
                }
            }
        }
        return nil
    }

    /// The UTC offset of the whole stretch `instants` looks at for `day`
    /// (the day before to the day after), or nil when it changes in there.
    func steadyOffset(around day: Date) -> Int? {
        let from = day.addingTimeInterval(-2 * 86_400), to = day.addingTimeInterval(3 * 86_400)
        let offset = timeZone.secondsFromGMT(for: from)
        guard timeZone.secondsFromGMT(for: to) == offset else { return nil }
        if let change = timeZone.nextDaylightSavingTimeTransition(after: from), change < to { return nil }
        return offset
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
                    } else if let first = resolved.first {
                        found.insert(first)
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
        let (whole, overflow) = interval.components.seconds.multipliedReportingOverflow(by: 1000)
        let (ms, overflow2) = whole.addingReportingOverflow(interval.components.attoseconds / 1_000_000_000_000_000)
        guard !overflow, !overflow2, ms > 0 else { return nil }
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
        // The millisecond floor of `date` can be a hair short of a tick that equals `date`.
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
