import Foundation
import Testing
import OrchExecution
import OrchTestSupport

/// After `orch retry`, a run's duration is its sessions' work, not first start to last end.
@Suite("run store contract: work time across a retry")
struct RunStoreResumeContractTests {
    @Test("reopen keeps the earlier session's work and starts a new one; the gap between them is not counted", arguments: StoreUnderTest.allCases)
    func workAcrossReopen(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1", tasks: ["a", "b"])
            // The first session: started at base, ended 3 s later.
            try await Fixture.record(info, in: store, states: [.succeeded, .failed], finish: .failed)
            #expect(try await store.detail("r-1")?.run.duration == 3)
            let owner = RunOwner(token: RunOwner.newToken(), host: "retrier", pid: 7, stamp: nil)
            try await store.reopen(run: "r-1", owner: owner)
            let reopened = try #require(try await store.detail("r-1")?.run)
            let resumed = try #require(reopened.resumedAt)
            #expect(abs(resumed.timeIntervalSinceNow) < 5, "the new session starts now")
            #expect(reopened.earlierWork == 3)
            try await store.finish(run: "r-1", token: owner.token, status: .succeeded, at: resumed.addingTimeInterval(2), message: nil)
            let duration = try #require(try await store.detail("r-1")?.run.duration)
            #expect(abs(duration - 5) < 0.01, "3 s, then 2 s: \(duration)")
            #expect(try await store.list(limit: 1).first?.duration.map { abs($0 - 5) < 0.01 } == true, "the list reads it the same")
        }
    }
}
