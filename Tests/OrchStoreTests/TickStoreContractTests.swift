import Foundation
import Testing
import OrchExecution
import OrchStore

/// One behaviour for every `TickStore`.
@Suite("TickStore contract: in memory and on PostgreSQL")
struct TickStoreContractTests {
    @Test("a tick is claimed once; a claim read back under the same name is ours", arguments: StoreUnderTest.allCases)
    func claims(_ kind: StoreUnderTest) async throws {
        try await kind.with { _, ticks in
            let (t1, t2) = (Fixture.base, Fixture.base.addingTimeInterval(3600))
            #expect(try await ticks.claim(schedule: "s", logicalTime: t1, status: .started, runID: "run-a", claimedBy: "me") == .ours(status: .started, runID: "run-a"))
            #expect(try await ticks.claim(schedule: "s", logicalTime: t1, status: .started, runID: "run-b", claimedBy: "me") == .ours(status: .started, runID: "run-a"))
            #expect(try await ticks.claim(schedule: "s", logicalTime: t1, status: .skipped, runID: nil, claimedBy: "other") == .theirs(claimedBy: "me"))
            #expect(try await ticks.claim(schedule: "s", logicalTime: t2, status: .skipped, runID: nil, claimedBy: "other") == .ours(status: .skipped, runID: nil))
            try await ticks.updateTick(schedule: "s", logicalTime: t1, status: .failed, error: "boom")
            #expect(try await ticks.lastTick(schedule: "s") == t2)
            #expect(try await ticks.latestTick(schedule: "s") == StoredTick(logicalTime: t2, status: .skipped, runID: nil, error: nil))
            #expect(try await ticks.lastTick(schedule: "none") == nil)
            #expect(try await ticks.latestTick(schedule: "none") == nil)
        }
    }

    @Test("ticks claimed to start whose run never appeared are found", arguments: StoreUnderTest.allCases)
    func unstarted(_ kind: StoreUnderTest) async throws {
        try await kind.with { runs, ticks in
            _ = try await ticks.claim(schedule: "s", logicalTime: Fixture.base, status: .started, runID: "lost", claimedBy: "dead")
            _ = try await ticks.claim(schedule: "s", logicalTime: Fixture.base.addingTimeInterval(60), status: .started, runID: "r-1", claimedBy: "me")
            try await runs.start(Fixture.run("r-1"))
            #expect(try await ticks.unstartedTicks(olderThan: .seconds(3600)).isEmpty, "too young to judge")
            try await Task.sleep(for: .milliseconds(20))
            #expect(try await ticks.unstartedTicks(olderThan: .zero) == [UnstartedTick(schedule: "s", logicalTime: Fixture.base, runID: "lost", claimedBy: "dead")])
        }
    }

    @Test("a schedule's active runs, succeeded logical times and last run", arguments: StoreUnderTest.allCases)
    func scheduleRuns(_ kind: StoreUnderTest) async throws {
        try await kind.with { runs, ticks in
            let (l1, l2) = (Fixture.base, Fixture.base.addingTimeInterval(3600))
            try await Fixture.record(Fixture.run("r-1", tasks: ["a"], trigger: .schedule("s"), started: l1, logical: l1), in: runs,
                                     states: [.succeeded], finish: .succeeded)
            try await Fixture.record(Fixture.run("r-2", tasks: ["a"], trigger: .backfill("s"), started: l2, logical: l2), in: runs,
                                     states: [.failed], finish: .failed)
            try await runs.start(Fixture.run("r-3", tasks: ["a"], trigger: .schedule("s"), started: l2.addingTimeInterval(1), logical: l2))
            try await runs.start(Fixture.run("r-4", tasks: ["a"], trigger: .schedule("other"), started: l2, logical: l2))
            #expect(try await ticks.activeRuns(schedule: "s", expiry: .seconds(60)) == 1)
            #expect(try await ticks.succeededLogicalTimes(schedule: "s", from: l1, to: l2) == [l1])
            #expect(try await ticks.succeededLogicalTimes(schedule: "s", from: l2, to: l2).isEmpty)
            #expect(try await ticks.lastRun(schedule: "s") == ScheduleRunSummary(id: "r-3", status: .running, startedAt: l2.addingTimeInterval(1), logicalTime: l2))
            #expect(try await ticks.lastRun(schedule: "none") == nil)
        }
    }

    @Test("a schedule is paused and unpaused for every scheduler of the store; a paused tick is recorded; trigger runs count as the schedule's",
          arguments: StoreUnderTest.allCases)
    func pauses(_ kind: StoreUnderTest) async throws {
        try await kind.with { runs, ticks in
            #expect(try await ticks.pause(schedule: "s") == nil, "never paused")
            try await ticks.setPaused(true, schedule: "s", by: "ann@host")
            let paused = try #require(try await ticks.pause(schedule: "s"))
            #expect(paused.paused && paused.changedBy == "ann@host")
            #expect(try await ticks.pause(schedule: "other") == nil)
            #expect(try await ticks.claim(schedule: "s", logicalTime: Fixture.base, status: .paused, runID: nil, claimedBy: "me")
                    == .ours(status: .paused, runID: nil))
            #expect(try await ticks.latestTick(schedule: "s")?.status == .paused)
            try await Task.sleep(for: .milliseconds(10))
            try await ticks.setPaused(false, schedule: "s", by: "bob@host")
            let unpaused = try #require(try await ticks.pause(schedule: "s"))
            #expect(!unpaused.paused && unpaused.changedBy == "bob@host" && unpaused.changedAt >= paused.changedAt)

            let l1 = Fixture.base
            try await Fixture.record(Fixture.run("t-1", tasks: ["a"], trigger: .trigger("s"), started: l1, logical: l1), in: runs,
                                     states: [.succeeded], finish: .succeeded)
            #expect(try await ticks.succeededLogicalTimes(schedule: "s", from: l1, to: l1) == [l1], "a backfill skips a triggered success")
            #expect(try await ticks.lastRun(schedule: "s")?.id == "t-1")
            try await runs.start(Fixture.run("t-2", tasks: ["a"], trigger: .trigger("s"), started: l1.addingTimeInterval(1), logical: l1))
            #expect(try await ticks.activeRuns(schedule: "s", expiry: .seconds(60)) == 1, "a triggered run holds a slot")
        }
    }
}
