import Foundation
import Testing
import OrchExecution
import OrchTestSupport
import OrchStore

/// The recorder's group commit: a run's events written as one batch read
/// back exactly as the same events written one by one; on PostgreSQL a
/// batch is all or nothing, and one bad event costs only itself.
@Suite("RunStore batches (group commit)")
struct RunStoreBatchTests {
    /// Every kind of event a run emits, for tasks a (succeeds after a retry) and b (fails).
    static func events(_ info: RunInfo) -> [RunEvent] {
        let t = Fixture.base
        return [
            .runStarted(info),
            .taskStateChanged(task: "a", state: .running, at: t, message: nil),
            .attemptStarted(task: "a", attempt: 1, at: t, logPath: "/l/a/attempt-1.log"),
            .attemptFinished(Fixture.attempt("a", 1, .failed, errorClass: .exitCode)),
            .retryScheduled(task: "a", afterAttempt: 1, delay: .milliseconds(10), at: t),
            .attemptStarted(task: "a", attempt: 2, at: t.addingTimeInterval(2), logPath: "/l/a/attempt-2.log"),
            .attemptFinished(Fixture.attempt("a", 2, .succeeded, at: t.addingTimeInterval(2),
                                             output: TaskOutput(summary: "ok", lineage: [LineageEdge(source: "raw.x", target: "an.y")]))),
            .taskStateChanged(task: "a", state: .succeeded, at: t.addingTimeInterval(4), message: nil),
            .taskStateChanged(task: "b", state: .running, at: t.addingTimeInterval(4), message: nil),
            .attemptStarted(task: "b", attempt: 1, at: t.addingTimeInterval(4), logPath: "/l/b/attempt-1.log"),
            .attemptProcessStarted(task: "b", attempt: 1, processGroup: 77, leader: nil),
            .attemptFinished(Fixture.attempt("b", 1, .failed, at: t.addingTimeInterval(4), errorClass: .exitCode)),
            .taskStateChanged(task: "b", state: .failed, at: t.addingTimeInterval(6), message: "exit 1"),
            .runFinished(status: .failed, at: t.addingTimeInterval(7), message: nil),
        ]
    }

    @Test("a batch reads back exactly as the same events written one by one", arguments: StoreUnderTest.allCases)
    func sameAsOneByOne(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let batched = Fixture.run("r-batch"), single = Fixture.run("r-single")
            try await store.record(Self.events(batched), run: batched.id, token: batched.owner.token)
            for event in Self.events(single) { try await store.record(event, run: single.id, token: single.owner.token) }
            var a = try #require(try await store.detail("r-batch")), b = try #require(try await store.detail("r-single"))
            #expect(a.run.status == .failed && a.tasks.map(\.state) == [.succeeded, .failed])
            #expect(a.tasks[0].attempts.map(\.status) == [.failed, .succeeded] && a.tasks[1].attempts.first?.processGroup == 77)
            (a.run.id, a.run.runDirectory, b.run.id, b.run.runDirectory) = ("", nil, "", nil)
            #expect(a == b)
            #expect(try await store.lastProduced(["an.y"])["an.y"] != nil)
        }
    }

    @Test("split into two batches at any point, the events read back as one by one (folded multi-row writes)", arguments: StoreUnderTest.allCases)
    func splitAnywhere(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let single = Fixture.run("r-single")
            for event in Self.events(single) { try await store.record(event, run: single.id, token: single.owner.token) }
            var expected = try #require(try await store.detail("r-single"))
            (expected.run.id, expected.run.runDirectory) = ("", nil)
            for split in 1..<Self.events(single).count {
                let info = Fixture.run("r-split-\(split)")
                let events = Self.events(info)
                try await store.record(Array(events[..<split]), run: info.id, token: info.owner.token)
                try await store.record(Array(events[split...]), run: info.id, token: info.owner.token)
                var got = try #require(try await store.detail(info.id))
                (got.run.id, got.run.runDirectory) = ("", nil)
                #expect(got == expected, "split at \(split)")
            }
        }
    }

    @Test("a batch from a token that does not own the run is refused", arguments: StoreUnderTest.allCases)
    func refused(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1")
            try await store.start(info)
            await #expect(throws: RunWriteRefused.self) {
                try await store.record(Array(Self.events(info).dropFirst()), run: "r-1", token: RunOwner.newToken())
            }
            let detail = try #require(try await store.detail("r-1"))
            #expect(detail.tasks.map(\.state) == [.pending, .pending] && detail.tasks.allSatisfy(\.attempts.isEmpty))
        }
    }

    @Test("on PostgreSQL a batch is all or nothing: a refusal at its end leaves none of it written")
    func allOrNothing() async throws {
        try await StoreUnderTest.postgres.with { store, _ in
            let info = Fixture.run("r-1")
            try await store.start(info)
            let events: [RunEvent] = [
                .taskStateChanged(task: "a", state: .running, at: Fixture.base, message: nil),
                .attemptStarted(task: "a", attempt: 1, at: Fixture.base, logPath: "/l"),
                // Not a status a run may end in: refused, after the writes before it.
                .runFinished(status: .running, at: Fixture.base, message: nil),
            ]
            await #expect(throws: RunWriteRefused.self) { try await store.record(events, run: "r-1", token: info.owner.token) }
            let detail = try #require(try await store.detail("r-1"))
            #expect(detail.run.status == .running)
            #expect(detail.tasks[0].state == .pending && detail.tasks[0].attempts.isEmpty)
        }
    }

    @Test("the recorder writes a batch with one bad event event by event: everything else lands")
    func oneBadEvent() async throws {
        try await StoreUnderTest.postgres.with { store, _ in
            let info = Fixture.run("r-1")
            try await store.start(info)
            let bad = TestResult(test: "t", testType: "not_null", model: "m", column: nil, severity: .error, status: .fail,
                                 failingRows: 1, sampleRows: "not json", sql: "select 1")
            let recorder = StoreRecorder(runs: store, runID: "r-1", token: info.owner.token)
            await recorder.observe(batch: [
                .taskStateChanged(task: "a", state: .running, at: Fixture.base, message: nil),
                .attemptStarted(task: "a", attempt: 1, at: Fixture.base, logPath: "/l"),
                .attemptFinished(Fixture.attempt("a", 1, .failed, errorClass: .testFailed, output: TaskOutput(testResult: bad))),
                .taskStateChanged(task: "a", state: .failed, at: Fixture.base, message: "1 row"),
                .taskStateChanged(task: "b", state: .upstreamFailed, at: Fixture.base, message: nil),
            ])
            let detail = try #require(try await store.detail("r-1"))
            #expect(detail.tasks.map(\.state) == [.failed, .upstreamFailed])
            #expect(detail.tasks[0].attempts.map(\.status) == [.running], "the bad attempt end alone is lost")
        }
    }
}
