import Foundation
import Testing
import OrchRuntime
import OrchSchedule

/// The scheduler's decisions without a database: which tick comes next,
/// catchup, overlap skip/queue/allow and max_active_runs.
@Suite("Scheduler tick decisions (no PostgreSQL)")
struct TickDecisionTests {
    /// A schedule of a pipeline that exists (the parser checks), with `extra` settings.
    func schedule(_ extra: String) throws -> ScheduleSpec {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orch-decisions-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "name: p\ntasks:\n  - { id: a, kind: command, command: \"true\" }\n".write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
        return try ScheduleParser.parse("pipeline: p.yml\nevery: 1h\n" + extra, file: "\(dir)/s.yml")
    }

    @Test("skip: a tick with no slot is skipped; with a slot it starts", arguments: [0, 1, 2])
    func skip(active: Int) throws {
        let s = try schedule("overlap: skip\nmax_active_runs: 2\n")
        #expect(TickDecision(s, active: active, fromPending: false) == (active < 2 ? .start : .skip))
    }

    @Test("queue: a tick with no slot waits for one")
    func queue() throws {
        let s = try schedule("overlap: queue\n")
        #expect(TickDecision(s, active: 0, fromPending: false) == .start)
        #expect(TickDecision(s, active: 1, fromPending: false) == .wait)
        #expect(TickDecision(s, active: 1, fromPending: true) == .wait)
    }

    @Test("allow: a tick starts whatever runs")
    func allow() throws {
        let s = try schedule("overlap: allow\n")
        #expect(TickDecision(s, active: 5, fromPending: false) == .start)
        #expect(TickDecision(s, active: 5, fromPending: true) == .start)
    }

    @Test("caught-up ticks wait for a slot even with overlap: skip")
    func caughtUpWait() throws {
        let s = try schedule("overlap: skip\ncatchup: true\n")
        #expect(TickDecision(s, active: 1, fromPending: true) == .wait)
    }

    @Test("waiting ticks go first, oldest first; an armed tick only once due")
    func nextTick() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let (a, b) = (now.addingTimeInterval(-7200), now.addingTimeInterval(-3600))
        #expect(TickDecision.nextTick(pending: [a, b], armed: now, now: now).map { [$0.tick] } == [a])
        #expect(TickDecision.nextTick(pending: [a, b], armed: now, now: now)?.fromPending == true)
        #expect(TickDecision.nextTick(pending: [], armed: now, now: now)?.fromPending == false)
        #expect(TickDecision.nextTick(pending: [], armed: now.addingTimeInterval(1), now: now) == nil)
        #expect(TickDecision.nextTick(pending: [], armed: nil, now: now) == nil)
    }

    @Test("catchup: none, all, or the last N missed ticks; nothing without history", arguments: [
        ("catchup: false\n", 0), ("catchup: true\n", 5), ("catchup: 2\n", 2),
    ])
    func catchup(rule: String, expected: Int) throws {
        let s = try schedule(rule)
        let now = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 3600) + 60)
        let last = now.addingTimeInterval(-60 - 5 * 3600)
        let missed = TickPlanner.missed(s, lastTick: last, now: now)
        #expect(missed.count == expected)
        #expect(missed == missed.sorted(), "oldest first")
        if expected == 2 { #expect(missed.last == now.addingTimeInterval(-60), "the latest ones") }
        #expect(TickPlanner.missed(s, lastTick: nil, now: now).isEmpty)
    }
}
