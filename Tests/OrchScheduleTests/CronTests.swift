import Foundation
import Testing
@testable import OrchSchedule

/// Cases derived by hand from the rules (Vixie day matching, Debian DST behaviour).
/// 2026 calendar: Jan 1 is a Thursday; US DST from Mar 8 02:00 to Nov 1 02:00;
/// EU from Mar 29 02:00 (CET) to Oct 25 03:00 (CEST); Adelaide (+9:30/+10:30)
/// from Oct 4 02:00 and until Apr 5 03:00.
@Suite("cron expressions and next fire times")
struct CronTests {
    static func date(_ s: String) -> Date { try! Date(s, strategy: .iso8601) }

    @Test("next fire times", arguments: [
        ("*/15 * * * *", "UTC", "2026-03-01T10:07:00Z", ["2026-03-01T10:15:00Z", "2026-03-01T10:30:00Z", "2026-03-01T10:45:00Z"]),
        ("0 9 * * mon-fri", "UTC", "2026-03-06T10:00:00Z", ["2026-03-09T09:00:00Z", "2026-03-10T09:00:00Z"]),
        ("0 0 1,15 * *", "UTC", "2026-01-10T00:00:00Z", ["2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z"]),
        // Both day fields restricted: day 1 OR Sunday.
        ("30 4 1 * 0", "UTC", "2026-02-01T05:00:00Z", ["2026-02-08T04:30:00Z", "2026-02-15T04:30:00Z", "2026-02-22T04:30:00Z", "2026-03-01T04:30:00Z"]),
        // `*/2` counts as unrestricted: odd days AND Mondays.
        ("0 0 */2 * 1", "UTC", "2026-01-01T00:00:00Z", ["2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z"]),
        ("@yearly", "UTC", "2026-05-05T00:00:00Z", ["2027-01-01T00:00:00Z"]),
        ("@hourly", "UTC", "2026-05-05T10:00:00Z", ["2026-05-05T11:00:00Z"]),
        ("*/20 * * * * *", "UTC", "2026-05-05T10:00:05Z", ["2026-05-05T10:00:20Z", "2026-05-05T10:00:40Z", "2026-05-05T10:01:00Z"]),
        ("0 12 1 jan,jul *", "UTC", "2026-02-01T00:00:00Z", ["2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z"]),
        ("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", ["2028-02-29T00:00:00Z"]),
        // New York, spring forward: 02:30 does not exist on Mar 8; a fixed job runs at 03:00 EDT, once.
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        // …a wildcard-hour job skips it.
        ("30 * * * *", "America/New_York", "2026-03-08T06:00:00Z", ["2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"]),
        // New York, fall back: 01:30 happens twice on Nov 1; a fixed job runs at the first only.
        ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        // …a wildcard-hour job runs at both.
        ("30 * * * *", "America/New_York", "2026-11-01T04:00:00Z", ["2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"]),
        // Berlin, spring forward: 02:15 does not exist on Mar 29 → 03:00 CEST (01:00Z).
        ("15 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", ["2026-03-29T01:00:00Z", "2026-03-30T00:15:00Z"]),
        // Berlin, fall back: 02:15 twice on Oct 25 → the CEST one only.
        ("15 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", ["2026-10-25T00:15:00Z", "2026-10-26T01:15:00Z"]),
        ("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"]),
        // Adelaide, a half-hour zone: 02:30 skipped on Oct 4 → 03:00 ACDT (16:30Z the day before).
        ("30 2 * * *", "Australia/Adelaide", "2026-10-03T00:00:00Z", ["2026-10-03T16:30:00Z", "2026-10-04T16:00:00Z"]),
        // Adelaide, fall back on Apr 5: 02:30 twice → the ACDT one only.
        ("30 2 * * *", "Australia/Adelaide", "2026-04-04T00:00:00Z", ["2026-04-04T16:00:00Z", "2026-04-05T17:00:00Z"]),
        ("0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", ["2026-01-01T03:30:00Z", "2026-01-02T03:30:00Z"]),
    ])
    func next(expression: String, zone: String, from: String, expected: [String]) throws {
        let schedule = CronSchedule(try CronExpression(expression), timeZone: TimeZone(identifier: zone)!)
        let got = schedule.next(expected.count, after: Self.date(from))
        #expect(got.map { $0.ISO8601Format() } == expected)
    }

    @Test("bad expressions say what is wrong", arguments: [
        ("* * * *", "4 field"), ("60 * * * *", "outside 0-59"), ("* * * * mun", "not a valid day of week"),
        ("*/0 * * * *", "bad step"), ("@weekly2", "unknown macro"), ("5-1 * * * *", "backwards"), ("1,,2 * * * *", "empty item"),
    ])
    func errors(expression: String, fragment: String) {
        do {
            _ = try CronExpression(expression)
            Issue.record("expected an error for \(expression)")
        } catch let e as CronError {
            #expect(e.description.contains(fragment), "\(e.description)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("weekday 7 is Sunday; names are case-insensitive; wildcard flags")
    func details() throws {
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("0 0 * JAN SUN").months == [1])
        #expect(try CronExpression("*/5 3 * * *").isWildcard)
        #expect(!(try CronExpression("5 3 * * *").isWildcard))
        #expect(try CronExpression("0 3 * * *").dayOfMonthStar)
    }

    @Test("interval ticks are whole multiples since the anchor")
    func intervals() {
        let every = IntervalSchedule(interval: .seconds(30))
        #expect(every.next(after: Self.date("2026-01-01T00:00:10Z"))?.ISO8601Format() == "2026-01-01T00:00:30Z")
        #expect(every.next(after: Self.date("2026-01-01T00:00:30Z"))?.ISO8601Format() == "2026-01-01T00:01:00Z")
    }
}
