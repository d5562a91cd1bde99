import Foundation
import Testing
import OrchSpec
@testable import OrchSchedule

/// Issue 10: cron expressions that can never fire, intervals whose arithmetic
/// misbehaves, and schedule files that expand without bound.
@Suite("Schedule validation holes")
struct ScheduleValidationHoleTests {
    static func date(_ s: String) -> Date { (try? Date(s, strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0) }

    func cronError(_ expression: String) -> String? {
        do {
            _ = try CronExpression(expression)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// A schedule file for `body` (timing lines), pointing at this very file as its pipeline.
    func schedule(_ body: String) throws -> ScheduleSpec {
        try ScheduleParser.parse("pipeline: \(#filePath)\n" + body, file: "schedules/s.yml")
    }

    @Test("a day that never occurs in the chosen months is an error saying so", arguments: [
        ("0 0 30 2 *", "day 30 never occurs in February"),
        ("0 0 31 4 *", "day 31 never occurs in April"),
        ("0 0 31 2,4,6,9,11 *", "day 31 never occurs in February, April, June, September or November"),
        ("0 0 30,31 feb *", "days 30 and 31 never occur in February"),
        ("0 0 30-31 2 */2", "days 30 and 31 never occur in February"),
        ("0 0 0 30 2 *", "day 30 never occurs in February"),
    ])
    func neverFires(expression: String, reason: String) throws {
        let message = try #require(cronError(expression), "`\(expression)` was accepted")
        #expect(message.contains(reason), "\(message)")
    }

    @Test("days that do occur, and both day fields restricted (either matches), are accepted", arguments: [
        "0 0 29 2 *", "0 0 31 2 mon", "0 0 */30 2 *", "0 0 30 1-3 *", "0 0 31 * *", "0 0 1-31 2 *",
    ])
    func canFire(expression: String) throws {
        let cron = try CronExpression(expression)
        let next = CronSchedule(cron, timeZone: TimeZone(identifier: "UTC")!).next(after: Self.date("2026-01-01T00:00:00Z"))
        #expect(next != nil)
    }

    @Test("a day that comes round less often than the search horizon is an error")
    func rareDay() throws {
        // Feb 29 AND Sunday (`*/7` is only Sunday, and a `*` day field ANDs): once in 28 years.
        let message = try #require(cronError("0 0 29 2 */7"))
        #expect(message.contains("years"), "\(message)")
    }

    @Test("a schedule whose every time falls in a daylight-saving gap is an error")
    func onlyInTheGap() throws {
        // Every minute of 02:00 on the second Sunday of March: New York skips that hour every year.
        do {
            _ = try schedule("cron: \"* 2 8-14 3 */7\"\ntimezone: America/New_York\n")
            Issue.record("expected an error")
        } catch let e as SpecError {
            let d = try #require(e.diagnostics.first)
            #expect(d.message.contains("never fires"), "\(d.message)")
            #expect(d.message.contains("America/New_York"), "\(d.message)")
            #expect(d.location?.line == 2)
        }
        _ = try schedule("cron: \"* 2 8-14 3 */7\"\n")
    }

    @Test("interval ticks are strictly after the given time, also for fractional steps")
    func intervalStrictlyAfter() throws {
        for step in [Duration.milliseconds(1), .milliseconds(7), .milliseconds(100), .milliseconds(300), .seconds(30)] {
            let every = IntervalSchedule(interval: step)
            var cursor = Date(timeIntervalSince1970: 0)
            for _ in 0..<2_000 {
                let next = try #require(every.next(after: cursor))
                #expect(next > cursor, "every \(step): \(next.timeIntervalSince1970) after \(cursor.timeIntervalSince1970)")
                if next <= cursor { break }
                cursor = next
            }
        }
    }

    @Test("the last tick of a range is never past its end, whatever the rounding of milliseconds")
    func rangeEndRounding() throws {
        // Found by SchedulePropertyTests: every 21 ms from 2008-09-10T07:13:33.5Z,
        // a millisecond count rounded up put one tick past the end of the range.
        let every = IntervalSchedule(interval: .milliseconds(21))
        for fraction in [0, 0.001, 0.1, 0.5, 0.999, 0.0003] {
            let from = Date(timeIntervalSince1970: 1_221_030_813 + fraction), until = from.addingTimeInterval(0.05)
            let ticks = every.ticks(after: from, until: until, limit: 100)
            #expect(ticks.allSatisfy { $0 > from && $0 <= until }, "from \(from.timeIntervalSince1970): \(ticks.map(\.timeIntervalSince1970))")
            if let first = ticks.first { #expect(every.next(after: from) == first) }
        }
    }

    @Test("a huge interval has no next tick instead of a far-off or broken date")
    func hugeInterval() {
        let every = IntervalSchedule(interval: .seconds(Int64.max))
        #expect(every.next(after: Self.date("2026-01-01T00:00:00Z")) == nil)
        let yearly = IntervalSchedule(interval: .seconds(86_400 * 365))
        #expect(yearly.next(after: Self.date("2026-01-01T00:00:00Z")) != nil)
    }

    @Test("an every: so long that it never ticks before the year 4000 is an error at its line")
    func everyTooLong() throws {
        do {
            _ = try schedule("every: 100000000000d\n")
            Issue.record("expected an error")
        } catch let e as SpecError {
            let d = try #require(e.diagnostics.first)
            // Durations past ten years are refused where they are read (DurationText), before any tick is computed.
            #expect(d.message.contains("never ticks") || d.message.contains("100000000000d"), "\(d.message)")
            #expect(d.location?.line == 2)
        }
    }

    @Test("ticks of a tiny interval over a long range come back quickly, the latest ones")
    func manyTicks() throws {
        let spec = try schedule("every: 1ms\ncatchup: true\n")
        let from = Self.date("2026-01-01T00:00:00Z"), until = Self.date("2026-01-02T00:00:00Z")
        let clock = ContinuousClock()
        let start = clock.now
        let ticks = spec.ticks(after: from, until: until, limit: 5)
        #expect(clock.now - start < .seconds(2))
        #expect(ticks.count == 5)
        #expect(ticks.last == until)
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0 < $1 })
        let missed = TickPlanner.missed(spec, lastTick: from, now: until)
        #expect(missed.count == 10_000)
    }

    @Test("schedule files go through the YAML limits")
    func scheduleBomb() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1..<6 { lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]") }
        do {
            _ = try schedule("every: 1m\n" + lines.joined(separator: "\n"))
            Issue.record("expected an error")
        } catch let e as SpecError {
            #expect(e.diagnostics.contains { $0.message.contains("100000") && $0.location?.file == "schedules/s.yml" }, "\(e)")
        }
    }

    @Test("a cron step too big for a number is a clear error, as are signs", arguments: [
        ("*/99999999999999999999 * * * *", "bad step"), ("+5 * * * *", "not a valid minute"), ("*/+5 * * * *", "bad step"),
    ])
    func hugeStep(expression: String, fragment: String) throws {
        let message = try #require(cronError(expression))
        #expect(message.contains(fragment), "\(message)")
    }
}
