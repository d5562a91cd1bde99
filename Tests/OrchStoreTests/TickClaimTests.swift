import Foundation
import Testing
import OrchTestSupport
import OrchStore
import OrchExecution

@Suite("Store: schedule tick claims")
struct TickClaimTests {
    @Test("a claim whose reply was lost is read back as this scheduler's own, with its run id, not dropped as someone else's")
    func lostClaimReply() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            let tick = Date(timeIntervalSince1970: 1_900_000_000)
            let first = try await store.schedules.claim(schedule: "s", logicalTime: tick, status: .started, runID: "run-a", claimedBy: "me")
            #expect(first == .ours(status: .started, runID: "run-a"))
            // The INSERT committed, its reply never came: the scheduler claims the tick again, with a new run id.
            let again = try await store.schedules.claim(schedule: "s", logicalTime: tick, status: .started, runID: "run-b", claimedBy: "me")
            #expect(again == .ours(status: .started, runID: "run-a"), "the recorded claim and its run id")
            let other = try await store.schedules.claim(schedule: "s", logicalTime: tick, status: .started, runID: "run-c", claimedBy: "other")
            #expect(other == .theirs(claimedBy: "me"))
            try await store.schedules.updateTick(schedule: "s", logicalTime: tick, status: .failed, error: "could not start: boom")
            let latest = try await store.schedules.latestTick(schedule: "s")
            #expect(latest?.status == .failed && latest?.error == "could not start: boom" && latest?.runID == "run-a")
        }
    }
}
