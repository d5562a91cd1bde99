import Foundation
import OrchSpec
import PropertyBased
import Testing
@testable import OrchSchedule

/// `every:` arithmetic and schedule files on generated input.
@Suite("Interval and schedule file properties")
struct SchedulePropertyTests {
    /// Steps from 1 ms to a year, many of them not whole seconds.
    static let steps = Generator(run: { rng -> Duration in
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return .milliseconds(Int64.random(in: 1...999, using: &rng))
        case 1: return .milliseconds(Int64.random(in: 1...600_000, using: &rng))
        case 2: return .seconds(Int64.random(in: 1...86_400, using: &rng))
        default: return .seconds(Int64.random(in: 1...(366 * 86_400), using: &rng))
        }
    })
    /// Times from 1950 to 2100, at whole and odd fractions of a second.
    static let dates = Generator(run: { rng in
        Date(timeIntervalSince1970: Double(Int64.random(in: -631_152_000...4_102_444_800, using: &rng))
             + [0, 0.001, 0.1, 0.5, 0.999, 0.0003][Int.random(in: 0..<6, using: &rng)])
    })

    @Test("the next tick is strictly later, on a whole multiple of the step, and the first such")
    func nextTick() async {
        await propertyCheck(count: PropertyCases.count, input: Self.steps, Self.dates) { step, date in
            let every = IntervalSchedule(interval: step)
            guard let next = every.next(after: date) else {
                Issue.record("no tick after \(date) every \(step)")
                return
            }
            #expect(next > date)
            let ms = (next.timeIntervalSince1970 * 1000).rounded()
            let stepMs = Double(step.components.seconds) * 1000 + Double(step.components.attoseconds / 1_000_000_000_000_000)
            #expect(ms.truncatingRemainder(dividingBy: stepMs) == 0, "\(next) is not a multiple of \(step)")
            #expect(next.timeIntervalSince(date) <= stepMs / 1000 + 0.001, "\(next) skips a tick after \(date)")
        }
    }

    @Test("ticks over a range are the same as following next, and the latest when limited")
    func ticksFollowNext() async {
        let short = Generator(run: { rng in Duration.milliseconds(Int64.random(in: 1...5_000, using: &rng)) })
        await propertyCheck(count: PropertyCases.count, input: short, Self.dates, Gen.int(in: 1...40)) { step, from, limit in
            let every = IntervalSchedule(interval: step)
            let until = from.addingTimeInterval(Double(step.components.seconds) * 30 + 0.05)
            var walked: [Date] = []
            var cursor = from
            while let t = every.next(after: cursor), t <= until, walked.count < 10_000 {
                walked.append(t)
                cursor = t
            }
            #expect(every.ticks(after: from, until: until, limit: 10_000) == walked)
            #expect(every.ticks(after: from, until: until, limit: limit) == Array(walked.suffix(limit)))
        }
    }

    static let validSchedule = """
    name: nightly
    pipeline: \(#filePath)
    cron: "30 2 * * mon-fri"
    timezone: Europe/Berlin
    params: { day: "{{ run.logical_time }}" }
    select: [extract, stage]
    catchup: 3
    overlap: queue
    max_active_runs: 2
    start: 2026-01-01T00:00:00Z
    end: 2027-01-01T00:00:00Z
    enabled: true
    on_failure: { command: "echo failed", retries: 1 }
    """

    /// No `every:` line: a huge `every:` is a `DurationText` trap, which another engineer is fixing.
    static let odd = ["99999999999999999999", "-1", "0", "1e16", "inf", "nan", "yes", "~", "[]", "{}", "\"\"", "*/0",
                      "@weekly2", "0 0 30 2 *", "Mars/Olympus", "2026-13-45T99:00:00Z", "&a x", "*a", "[[[[[[x]]]]]]"]

    @Test("a schedule file with lines dropped, doubled or given odd values loads or says where it is wrong")
    func mutatedSchedules() async {
        let mutated = Generator(run: { rng -> String in
            var lines = Self.validSchedule.components(separatedBy: "\n")
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !lines.isEmpty {
                let i = Int.random(in: 0..<lines.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: lines.remove(at: i)
                case 1: lines.insert(lines[i], at: i)
                default:
                    if let colon = lines[i].range(of: ": ") {
                        lines[i] = lines[i][..<colon.upperBound] + Self.odd[Int.random(in: 0..<Self.odd.count, using: &rng)]
                    }
                }
            }
            return lines.joined(separator: "\n")
        })
        await propertyCheck(count: PropertyCases.count, input: mutated) { text in
            do {
                let spec = try ScheduleParser.parse(text, file: "schedules/s.yml")
                #expect(spec.next(after: Date(timeIntervalSince1970: 1_767_225_600)).map { $0 > Date(timeIntervalSince1970: 1_767_225_600) } ?? true)
            } catch let error as SpecError {
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.location?.file == "schedules/s.yml" }, "\(error)")
            } catch {
                Issue.record("not a SpecError: \(error)")
            }
        }
    }
}
