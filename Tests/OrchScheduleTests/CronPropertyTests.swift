import Foundation
import PropertyBased
import Testing
@testable import OrchSchedule

/// Cron on generated expressions: the parser reads what the grammar says,
/// `next` agrees with a minute-by-minute scan, keeps increasing in DST zones,
/// and garbage is an error, never a crash.
@Suite("Cron properties")
struct CronPropertyTests {
    static let utc: TimeZone = .gmt

    /// The parsed expression, or nil when it cannot fire; then the reason must say so.
    func parsed(_ generated: GeneratedCron) -> CronExpression? {
        do {
            let cron = try CronExpression(generated.text)
            #expect(cron.seconds == generated.sets[0] && cron.minutes == generated.sets[1] && cron.hours == generated.sets[2],
                    "\(generated): time fields")
            #expect(cron.daysOfMonth == generated.sets[3] && cron.months == generated.sets[4] && cron.daysOfWeek == generated.sets[5],
                    "\(generated): day fields")
            #expect(cron.dayOfMonthStar == generated.dayOfMonthStar && cron.dayOfWeekStar == generated.dayOfWeekStar)
            return cron
        } catch {
            #expect("\(error)".contains("can never fire"), "`\(generated)` from the grammar was refused: \(error)")
            return nil
        }
    }

    func refusal(_ text: String) -> String? {
        do {
            _ = try CronExpression(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("the parser reads the values the grammar gives")
    func fieldsMatchTheGrammar() async {
        await propertyCheck(count: PropertyCases.count, input: CronFuzzInputs.anyFields) { generated in
            _ = parsed(generated)
        }
    }

    /// Every fire time in (`start`, `start` + 1 year], by checking every minute.
    func scan(_ generated: GeneratedCron, from start: Date) -> [Date] {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = Self.utc
        let end = start.addingTimeInterval(366 * 86_400)
        var day = utc.startOfDay(for: start)
        let minuteOK = (0..<60).map { generated.sets[1].contains($0) }, hourOK = (0..<24).map { generated.sets[2].contains($0) }
        var found: [Date] = []
        while day <= end {
            let c = utc.dateComponents([.month, .day, .weekday], from: day)
            if generated.matchesDay(month: c.month ?? 0, day: c.day ?? 0, weekday: (c.weekday ?? 1) - 1) {
                for minute in 0..<1440 where hourOK[minute / 60] && minuteOK[minute % 60] {
                    let t = day.addingTimeInterval(TimeInterval(minute * 60))
                    if t > start && t <= end { found.append(t) }
                }
            }
            day = day.addingTimeInterval(86_400)
        }
        return found
    }

    @Test("next agrees with a minute-by-minute scan of a year in UTC")
    func agreesWithScan() async {
        let cases = PropertyCases.share(0.03, minimum: 5)
        await propertyCheck(count: cases, input: CronFuzzInputs.fiveFields, CronFuzzInputs.startDate,
                            Gen.int(in: 0...Int.max)) { generated, start, salt in
            guard let cron = parsed(generated) else {
                // Refused for days that never occur: a year's scan must find nothing either.
                if let refusal = refusal(generated.text), refusal.contains("never occur") {
                    #expect(scan(generated, from: start).isEmpty, "\(generated) was refused but fires")
                }
                return
            }
            let schedule = CronSchedule(cron, timeZone: Self.utc)
            let expected = scan(generated, from: start)
            let end = start.addingTimeInterval(366 * 86_400)
            // The first fire times, one after another.
            let chained = schedule.next(min(expected.count, 200), after: start)
            #expect(chained == Array(expected.prefix(200)), "\(generated) from \(start)")
            // Then spot checks across the year: after a fire time, and after any time.
            var rng = SplitMix(seed: UInt64(truncatingIfNeeded: salt))
            for _ in 0..<40 where !expected.isEmpty {
                let k = Int.random(in: 0..<expected.count, using: &rng)
                let following = k + 1 < expected.count ? expected[k + 1] : nil
                let got = schedule.next(after: expected[k])
                #expect(following == nil ? (got.map { $0 > end } ?? true) : got == following, "\(generated) after \(expected[k])")
                let t = start.addingTimeInterval(Double.random(in: 0..<(365 * 86_400), using: &rng))
                let firstAfter = expected.first { $0 > t }
                let next = schedule.next(after: t)
                #expect(firstAfter == nil ? (next.map { $0 > end } ?? true) : next == firstAfter, "\(generated) after \(t)")
            }
            if expected.isEmpty {
                let next = schedule.next(after: start)
                #expect(next.map { $0 > end } ?? true, "\(generated): nothing in the year, yet \(String(describing: next))")
            }
        }
    }

    @Test("next keeps increasing, 50 times over, in UTC and in daylight-saving zones")
    func strictlyIncreasing() async {
        await propertyCheck(count: PropertyCases.share(0.5, minimum: 20), input: CronFuzzInputs.anyFields, CronFuzzInputs.startDate,
                            Gen.element(of: CronFuzzInputs.zones)) { generated, start, zoneName in
            let zoneName = zoneName ?? "UTC"
            guard let cron = parsed(generated), let zone = TimeZone(identifier: zoneName) else { return }
            var local = Calendar(identifier: .gregorian)
            local.timeZone = zone
            let times = CronSchedule(cron, timeZone: zone).next(50, after: start)
            #expect(!times.isEmpty, "\(generated) in \(zoneName) from \(start): never fires")
            var previous = start
            for t in times {
                #expect(t > previous, "\(generated) in \(zoneName): \(t) after \(previous)")
                previous = t
                // Every fire time is on a day the expression names, in local time.
                let c = local.dateComponents([.month, .day, .weekday, .hour, .minute, .second], from: t)
                #expect(generated.matchesDay(month: c.month ?? 0, day: c.day ?? 0, weekday: (c.weekday ?? 1) - 1),
                        "\(generated) in \(zoneName) fired at \(t) on a day it does not name")
                // At a time it names, unless moved to the end of a spring-forward gap (fixed-time jobs).
                let named = generated.sets[2].contains(c.hour ?? -1) && generated.sets[1].contains(c.minute ?? -1)
                    && generated.sets[0].contains(c.second ?? -1)
                let afterGap = !named && !cron.isWildcard && zone.nextDaylightSavingTimeTransition(after: t.addingTimeInterval(-1)) == t
                #expect(named || afterGap, "\(generated) in \(zoneName) fired at \(t), a time it does not name")
            }
        }
    }

    @Test("garbage is an error or a working expression, never a crash")
    func garbage() async {
        await propertyCheck(count: PropertyCases.count, input: CronFuzzInputs.garbage) { text in
            do {
                let cron = try CronExpression(text)
                let start = Date(timeIntervalSince1970: 1_767_225_600)
                if let next = CronSchedule(cron, timeZone: Self.utc).next(after: start) { #expect(next > start) }
            } catch {
                #expect(error is CronError, "\(text): \(error)")
            }
        }
    }
}

/// A small seeded generator for spot checks inside one property case.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
