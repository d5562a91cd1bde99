import Foundation
import Testing
import OrchExecution
import OrchTestSupport
@testable import OrchStore
import OrchWarehouse

@Suite("Store: migrations and run history on a real PostgreSQL")
struct RunRepositoryTests {
    func info(_ id: String, tasks: [String], started: Date = Date()) -> RunInfo {
        RunInfo(id: id, pipeline: "demo", pipelineFile: "/p/demo.yml", trigger: .manual, logicalTime: started,
                params: ["d": "x"], specHash: "abc", host: "h", pid: 42, directory: "/runs/demo/\(id)", tasks: tasks,
                startedAt: started)
    }

    @Test("migrations apply once, concurrently safe, and are recorded")
    func migrations() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url, migrate: false) { store in
            async let a = store.migrate()
            async let b = store.migrate()
            let applied = try await a + b
            #expect(applied.sorted() == Migrations.all.map(\.version))
            #expect(try await store.migrate().isEmpty)
            #expect(try await store.schemaVersion() == Migrations.all.last!.version)
        }
    }

    @Test("a recorded run reads back with tasks, attempts and counts")
    func roundTrip() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            let runs = store.runs
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let run = info("r-1", tasks: ["a", "b"], started: start)
            let token = run.owner.token
            try await runs.start(run)
            try await runs.setTaskState(run: "r-1", token: token, task: "a", state: .running, at: start, message: nil)
            try await runs.startAttempt(run: "r-1", token: token, task: "a", attempt: 1, at: start, logPath: "/l/1")
            let record = AttemptRecord(task: "a", attempt: 1, status: .failed, startedAt: start,
                                       finishedAt: start.addingTimeInterval(1.5), errorClass: .exitCode, error: "exit 1",
                                       exitCode: 1, logPath: "/l/1", logTail: "line", output: nil)
            try await runs.finishAttempt(run: "r-1", token: token, record)
            try await runs.setTaskState(run: "r-1", token: token, task: "a", state: .failed, at: start.addingTimeInterval(2), message: "exit 1")
            try await runs.setTaskState(run: "r-1", token: token, task: "b", state: .upstreamFailed, at: start.addingTimeInterval(2), message: "up")
            try await runs.finish(run: "r-1", token: token, status: .failed, at: start.addingTimeInterval(3), message: nil)

            let detail = try #require(try await runs.detail("r-1"))
            #expect(detail.run.status == .failed)
            #expect(detail.run.params == ["d": "x"])
            #expect(detail.run.taskCounts == [.failed: 1, .upstreamFailed: 1])
            #expect(detail.tasks.map(\.taskID) == ["a", "b"])
            let a = detail.tasks[0]
            #expect(a.attemptCount == 1)
            #expect(a.attempts.first?.durationMs == 1500)
            #expect(a.attempts.first?.exitCode == 1)
            #expect(a.attempts.first?.logTail == "line")
            #expect(detail.tasks[1].state == .upstreamFailed)
        }
    }

    @Test("listing is newest first, filters by pipeline, and ids resolve by prefix")
    func listAndResolve() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            for n in 0..<3 {
                try await store.runs.start(info("2030011\(n)-000000-aaaaa\(n)", tasks: ["a"], started: base.addingTimeInterval(Double(n))))
            }
            let list = try await store.runs.list(limit: 2)
            #expect(list.map(\.id) == ["20300112-000000-aaaaa2", "20300111-000000-aaaaa1"])
            #expect(try await store.runs.list(pipeline: "other").isEmpty)
            #expect(try await store.runs.resolve("20300111") == "20300111-000000-aaaaa1")
            await #expect(throws: RunStoreError.self) { try await store.runs.resolve("2030011") }
            await #expect(throws: RunStoreError.self) { try await store.runs.resolve("nope") }
        }
    }

    @Test("the list query is served by an index")
    func indexed() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            let plan = try await store.warehouse.rows("""
            SET enable_seqscan = off;
            EXPLAIN SELECT id FROM orch.runs ORDER BY started_at DESC LIMIT 20
            """)
            #expect(plan.flatMap { $0 }.compactMap { $0 }.joined().contains("runs_started_idx"))
        }
    }
}
