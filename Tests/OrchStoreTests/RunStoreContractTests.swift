import Foundation
import Testing
import OrchExecution
import OrchStore

/// One behaviour for every `RunStore`: the in-memory store and the Postgres store pass the same tests.
@Suite("RunStore contract: in memory and on PostgreSQL")
struct RunStoreContractTests {
    @Test("a run reads back with its tasks, attempts, errors and counts", arguments: StoreUnderTest.allCases)
    func roundTrip(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1", tasks: ["a", "b", "c"])
            try await Fixture.record(info, in: store, states: [.succeeded, .failed, .pending], finish: nil)
            let token = info.owner.token
            try await store.setTaskState(run: "r-1", token: token, task: "c", state: .upstreamFailed, at: Fixture.base, message: "up")
            try await store.recordProcess(run: "r-1", token: token, task: "b", attempt: 1, processGroup: 77, leader: nil)
            try await store.finish(run: "r-1", token: token, status: .failed, at: Fixture.base.addingTimeInterval(3), message: "m")
            let detail = try #require(try await store.detail("r-1"))
            #expect(detail.run.status == .failed && detail.run.message == "m")
            #expect(detail.run.finishedAt == Fixture.base.addingTimeInterval(3))
            #expect(detail.run.params == ["d": "x"] && detail.run.trigger == "manual" && detail.run.runDirectory == "/runs/demo/r-1")
            #expect(detail.run.taskCounts == [.succeeded: 1, .failed: 1, .upstreamFailed: 1])
            #expect(detail.tasks.map(\.taskID) == ["a", "b", "c"])
            #expect(detail.tasks.map(\.state) == [.succeeded, .failed, .upstreamFailed])
            let b = detail.tasks[1]
            #expect(b.attemptCount == 1 && b.startedAt == Fixture.base && b.finishedAt == Fixture.base.addingTimeInterval(2))
            let attempt = try #require(b.attempts.first)
            #expect(attempt.status == .failed && attempt.errorClass == .exitCode && attempt.error == "failed: exit_code")
            #expect(attempt.durationMs == 1500 && attempt.exitCode == 1 && attempt.logTail == "tail" && attempt.processGroup == 77)
            #expect(detail.tasks[2].message == "up" && detail.tasks[2].attempts.isEmpty)
            #expect(try await store.detail("nope") == nil)
        }
    }

    @Test("writes with a token that does not own the run, or after its end, are refused", arguments: StoreUnderTest.allCases)
    func refusals(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1")
            try await store.start(info)
            let stranger = RunOwner.newToken()
            await #expect(throws: RunWriteRefused.self) {
                try await store.setTaskState(run: "r-1", token: stranger, task: "a", state: .running, at: Fixture.base, message: nil)
            }
            await #expect(throws: RunWriteRefused.self) {
                try await store.startAttempt(run: "r-1", token: stranger, task: "a", attempt: 1, at: Fixture.base, logPath: "/l")
            }
            await #expect(throws: RunWriteRefused.self) { try await store.finishAttempt(run: "r-1", token: stranger, Fixture.attempt("a", 1, .succeeded)) }
            await #expect(throws: RunWriteRefused.self) {
                try await store.finish(run: "r-1", token: stranger, status: .succeeded, at: Fixture.base, message: nil)
            }
            var other = info
            other.owner.token = stranger
            await #expect(throws: RunWriteRefused.self) { try await store.start(other) }
            try await store.finish(run: "r-1", token: info.owner.token, status: .succeeded, at: Fixture.base, message: nil)
            await #expect(throws: RunWriteRefused.self) {
                try await store.finish(run: "r-1", token: info.owner.token, status: .failed, at: Fixture.base, message: nil)
            }
            await #expect(throws: RunWriteRefused.self) {
                try await store.setTaskState(run: "r-1", token: info.owner.token, task: "a", state: .running, at: Fixture.base, message: nil)
            }
            #expect(try await store.detail("r-1")?.run.status == .succeeded)
        }
    }

    @Test("reopen takes a stopped run over: running again, what did not succeed pending, old owner refused", arguments: StoreUnderTest.allCases)
    func reopen(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1", tasks: ["a", "b", "c"])
            try await Fixture.record(info, in: store, states: [.succeeded, .failed, .running], finish: .failed)
            let owner = RunOwner(token: RunOwner.newToken(), host: "retrier", pid: 7, stamp: nil)
            try await store.reopen(run: "r-1", owner: owner)
            let detail = try #require(try await store.detail("r-1"))
            #expect(detail.run.status == .running && detail.run.finishedAt == nil && detail.run.message == nil)
            #expect(detail.run.host == "retrier" && detail.run.pid == 7)
            #expect(detail.tasks.map(\.state) == [.succeeded, .pending, .pending])
            let left = try #require(detail.tasks[2].attempts.first)
            #expect(left.status == .failed && left.errorClass == .crashed && left.error == RunStatusTransition.reopenedAttemptError)
            #expect(detail.tasks[1].attempts.first?.errorClass == .exitCode, "finished attempts stay as they were")
            #expect(try await store.ownership(run: "r-1", token: info.owner.token) == .takenOver(host: "retrier", pid: 7))
            await #expect(throws: RunWriteRefused.self) {
                try await store.setTaskState(run: "r-1", token: info.owner.token, task: "b", state: .running, at: Fixture.base, message: nil)
            }
            try await store.setTaskState(run: "r-1", token: owner.token, task: "b", state: .running, at: Fixture.base, message: nil)
            await #expect(throws: RunStoreError.self) { try await store.reopen(run: "r-1", owner: RunOwner.current()) }
            try await store.finish(run: "r-1", token: owner.token, status: .succeeded, at: Fixture.base, message: nil)
            await #expect(throws: RunStoreError.self) { try await store.reopen(run: "r-1", owner: RunOwner.current()) }
        }
    }

    @Test("the crash sweep marks runs with an expired heartbeat: running tasks failed, pending cancelled", arguments: StoreUnderTest.allCases)
    func crashExpired(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1", tasks: ["a", "b"])
            try await Fixture.record(info, in: store, states: [.running, .pending], finish: nil)
            #expect(try await store.markCrashed(expiry: .seconds(3600)).isEmpty, "a fresh heartbeat keeps the run")
            try await Task.sleep(for: .milliseconds(20))
            let crashed = try await store.markCrashed(expiry: .zero)
            #expect(crashed.map(\.id) == ["r-1"])
            #expect(crashed.first?.message.hasPrefix("the orch process died (last heartbeat ") == true)
            let detail = try #require(try await store.detail("r-1"))
            #expect(detail.run.status == .crashed && detail.run.finishedAt != nil)
            #expect(detail.tasks.map(\.state) == [.failed, .cancelled])
            #expect(detail.tasks[0].attempts.first?.status == .failed && detail.tasks[0].attempts.first?.errorClass == .crashed)
            #expect(try await store.markCrashed(expiry: .zero).isEmpty, "a crashed run is not crashed again")
            // The owner keeps its token (it may be alive): it learns the verdict and may not revive the run.
            #expect(try await store.heartbeat(run: "r-1", token: info.owner.token) == .notRunning(status: .crashed, message: crashed[0].message))
            #expect(try await store.liveOwner(run: "r-1", expiry: .seconds(60)) == LiveOwner(host: "elsewhere", pid: 42))
            try await store.release(run: "r-1", token: info.owner.token)
            #expect(try await store.liveOwner(run: "r-1", expiry: .seconds(60)) == nil)
            #expect(try await store.latestUnsuccessful() == "r-1")
        }
    }

    @Test("an owner on this machine that is provably gone is crashed at once and loses its token", arguments: StoreUnderTest.allCases)
    func crashGone(_ kind: StoreUnderTest) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let deadPID = process.processIdentifier
        try await kind.with { store, _ in
            let info = Fixture.run("r-1", host: ProcessInfo.processInfo.hostName, pid: deadPID)
            try await Fixture.record(info, in: store, states: [.running, .pending], finish: nil)
            let crashed = try await store.markCrashed(expiry: .seconds(3600))
            #expect(crashed.map(\.id) == ["r-1"])
            #expect(crashed.first?.message.contains("is gone") == true)
            #expect(try await store.ownership(run: "r-1", token: info.owner.token) == .notRunning(status: .crashed, message: crashed[0].message))
            #expect(try await store.liveOwner(run: "r-1", expiry: .seconds(60)) == nil)
        }
    }

    @Test("heartbeat and ownership: owned, taken over, missing", arguments: StoreUnderTest.allCases)
    func ownership(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1")
            try await store.start(info)
            #expect(try await store.heartbeat(run: "r-1", token: info.owner.token) == .owned)
            #expect(try await store.ownership(run: "r-1", token: info.owner.token) == .owned)
            #expect(try await store.heartbeat(run: "r-1", token: "other") == .takenOver(host: "elsewhere", pid: 42))
            #expect(try await store.heartbeat(run: "r-2", token: "other") == .missing)
            try await store.finish(run: "r-1", token: info.owner.token, status: .succeeded, at: Fixture.base, message: nil)
            #expect(try await store.liveOwner(run: "r-1", expiry: .seconds(60)) == nil, "a finished run has no owner")
        }
    }
}
