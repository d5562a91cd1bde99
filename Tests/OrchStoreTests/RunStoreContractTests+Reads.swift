import Foundation
import Testing
import OrchExecution
import OrchStore

extension RunStoreContractTests {
    @Test("list is newest first and filters; ids resolve by unique prefix", arguments: StoreUnderTest.allCases)
    func listAndResolve(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            for n in 0..<3 {
                try await store.start(Fixture.run("2030011\(n)-000000-aaaaa\(n)", tasks: ["a"], started: Fixture.base.addingTimeInterval(Double(n))))
            }
            #expect(try await store.list(limit: 2).map(\.id) == ["20300112-000000-aaaaa2", "20300111-000000-aaaaa1"])
            #expect(try await store.list(pipeline: "other").isEmpty)
            #expect(try await store.list(pipeline: "demo", limit: 10).count == 3)
            #expect(try await store.list(limit: 1).first?.taskCounts == [.pending: 1])
            #expect(try await store.resolve("20300111") == "20300111-000000-aaaaa1")
            #expect(try await store.resolve("20300111-000000-aaaaa1") == "20300111-000000-aaaaa1")
            await #expect(throws: RunStoreError.self) { try await store.resolve("2030011") }
            await #expect(throws: RunStoreError.self) { try await store.resolve("nope") }
        }
    }

    @Test("list and count filter by status, start time and trigger (kind or kind:name), together", arguments: StoreUnderTest.allCases)
    func filters(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let runs: [(String, RunTrigger, RunStatus?, Double)] = [
                ("r-manual-ok", .manual, .succeeded, 0), ("r-manual-bad", .manual, .failed, 100),
                ("r-nightly", .schedule("nightly"), .failed, 200), ("r-hourly", .schedule("hourly"), .succeeded, 300),
                ("r-backfill", .backfill("nightly"), nil, 400), ("r-retry", .retry(of: "r-manual-bad"), .succeeded, 500),
            ]
            for (id, trigger, status, offset) in runs {
                let info = Fixture.run(id, tasks: ["a"], trigger: trigger, started: Fixture.base.addingTimeInterval(offset))
                try await Fixture.record(info, in: store, states: [status == .succeeded ? .succeeded : .failed], finish: status)
            }
            func ids(_ filter: RunFilter) async throws -> [String] {
                let listed = try await store.list(filter, limit: 100).map(\.id)
                #expect(try await store.count(filter) == listed.count, "count agrees with list for \(filter)")
                return listed
            }
            #expect(try await ids(RunFilter()).count == 6)
            #expect(try await ids(RunFilter(status: .failed)) == ["r-nightly", "r-manual-bad"])
            #expect(try await ids(RunFilter(status: .running)) == ["r-backfill"])
            #expect(try await ids(RunFilter(since: Fixture.base.addingTimeInterval(300))) == ["r-retry", "r-backfill", "r-hourly"])
            #expect(try await ids(RunFilter(trigger: TriggerMatch("schedule"))) == ["r-hourly", "r-nightly"])
            #expect(try await ids(RunFilter(trigger: TriggerMatch("schedule:nightly"))) == ["r-nightly"])
            #expect(try await ids(RunFilter(trigger: TriggerMatch("manual"))) == ["r-manual-bad", "r-manual-ok"])
            #expect(try await ids(RunFilter(trigger: TriggerMatch("retry"))) == ["r-retry"])
            #expect(try await ids(RunFilter(status: .failed, since: Fixture.base.addingTimeInterval(150), trigger: TriggerMatch("schedule")))
                    == ["r-nightly"])
            #expect(try await ids(RunFilter(pipeline: "other", status: .failed)).isEmpty)
            let page = try await store.list(RunFilter(), limit: 2)
            let total = try await store.count(RunFilter())
            #expect(page.count == 2 && total == 6, "the total is not the page")
            #expect(TriggerMatch("cron") == nil && TriggerMatch("manual:x") == nil && TriggerMatch("schedule:") == nil)
        }
    }

    @Test("a run that could not start is failed, has no tasks and no owner; recording it twice changes nothing", arguments: StoreUnderTest.allCases)
    func notStarted(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let info = Fixture.run("r-1", tasks: [])
            try await store.recordNotStarted(info, message: "could not start: boom")
            try await store.recordNotStarted(info, message: "again")
            let detail = try #require(try await store.detail("r-1"))
            #expect(detail.run.status == .failed && detail.run.message == "could not start: boom" && detail.tasks.isEmpty)
            #expect(detail.run.finishedAt != nil)
            #expect(try await store.ownership(run: "r-1", token: info.owner.token) == .takenOver(host: "elsewhere", pid: 42))
        }
    }

    @Test("test results, outputs, lineage and the last success", arguments: StoreUnderTest.allCases)
    func outputsAndLineage(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let good = Fixture.run("r-1", tasks: ["load", "model", "test"], started: Fixture.base)
            try await store.start(good)
            let token = good.owner.token
            let edges = [LineageEdge(source: "file:x.csv", target: "raw.x")]
            try await store.startAttempt(run: "r-1", token: token, task: "load", attempt: 1, at: Fixture.base, logPath: "/l")
            try await store.finishAttempt(run: "r-1", token: token, Fixture.attempt("load", 1, .succeeded,
                output: TaskOutput(summary: "10 rows", facts: ["rows_loaded": "10"], lineage: edges)))
            try await store.startAttempt(run: "r-1", token: token, task: "model", attempt: 1, at: Fixture.base, logPath: "/l")
            try await store.finishAttempt(run: "r-1", token: token, Fixture.attempt("model", 1, .succeeded,
                at: Fixture.base.addingTimeInterval(10), output: TaskOutput(lineage: [LineageEdge(source: "raw.x", target: "analytics.y")])))
            for (n, status) in [(1, TestResult.Status.error), (2, .fail)] {
                try await store.startAttempt(run: "r-1", token: token, task: "test", attempt: n, at: Fixture.base, logPath: "/l")
                let result = TestResult(test: "not_null_y_id", testType: "not_null", model: "y", column: "id", severity: .error,
                                        status: status, failingRows: n, sampleRows: "[]", sql: "SELECT 1")
                try await store.finishAttempt(run: "r-1", token: token, Fixture.attempt("test", n, .failed, errorClass: .testFailed,
                                                                                          output: TaskOutput(testResult: result)))
            }
            try await store.finish(run: "r-1", token: token, status: .succeeded, at: Fixture.base.addingTimeInterval(20), message: nil)

            #expect(try await store.outputs(run: "r-1") == ["load": ["rows_loaded": "10", "summary": "10 rows"], "model": ["summary": ""]])
            let (runID, tests) = try await store.testResults(run: nil, failedOnly: true)
            #expect(runID == "r-1")
            #expect(tests.map(\.status) == [.fail] && tests.first?.failingRows == 2, "the latest attempt's result")
            #expect(try await store.testResults(run: "r-1", model: "other", failedOnly: false).1.isEmpty)
            let produced = try await store.lastProduced(["raw.x", "analytics.y", "none"])
            #expect(produced["raw.x"]?.run == "r-1" && produced["none"] == nil)
            #expect(produced["analytics.y"]?.at == Fixture.base.addingTimeInterval(11.5))
            let up = try await store.lineage(of: "analytics.y", upstream: true)
            #expect(up.lastRunID == "r-1" && up.lastTaskID == "model" && up.children.map(\.dataset) == ["raw.x"])
            #expect(up.children.first?.children.map(\.dataset) == ["file:x.csv"])
            let down = try await store.lineage(of: "raw.x", upstream: false)
            #expect(down.children.map(\.dataset) == ["analytics.y"])
            #expect(try await store.lastSuccess(pipeline: "demo", before: Fixture.base.addingTimeInterval(1))?.id == "r-1")
            #expect(try await store.lastSuccess(pipeline: "demo", before: Fixture.base) == nil)
            #expect(try await store.latestUnsuccessful() == nil)

            // The names read commands check a typo against.
            #expect(try await store.knownNames(.pipeline) == ["demo"])
            #expect(try await store.knownNames(.testedModel) == ["y"])
            #expect(try await store.knownNames(.dataset) == ["analytics.y", "file:x.csv", "raw.x"])
            #expect(try await store.knownName("y", .dataset) == "analytics.y", "a table without its schema, when one matches")
            #expect(try await store.knownName("demo", .pipeline) == "demo")
            await #expect(throws: UnknownNameError(kind: .pipeline, name: "dem", suggestion: "demo")) {
                try await store.knownName("dem", .pipeline)
            }
            await #expect(throws: UnknownNameError(kind: .dataset, name: "x_", suggestion: "raw.x")) {
                try await store.knownName("x_", .dataset)
            }
            await #expect(throws: UnknownNameError(kind: .testedModel, name: "zzzzzz", suggestion: nil)) {
                try await store.knownName("zzzzzz", .testedModel)
            }
        }
    }

    @Test("prune deletes old finished runs in batches, keeps failed ones if asked and the latest lineage", arguments: StoreUnderTest.allCases)
    func prune(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let (old, newer) = (Fixture.base, Fixture.base.addingTimeInterval(100))
            for (id, status, started) in [("a", RunStatus.succeeded, old), ("b", .failed, old), ("c", .succeeded, newer)] {
                let info = Fixture.run(id, tasks: ["t"], started: started)
                try await store.start(info)
                try await store.startAttempt(run: id, token: info.owner.token, task: "t", attempt: 1, at: started, logPath: "/l")
                try await store.finishAttempt(run: id, token: info.owner.token, Fixture.attempt("t", 1, .succeeded, at: started,
                    output: TaskOutput(lineage: [LineageEdge(source: "s", target: id == "b" ? "only.b" : "shared")])))
                try await store.finish(run: id, token: info.owner.token, status: status, at: started, message: nil)
            }
            try await store.start(Fixture.run("running", tasks: ["t"], started: old))
            let cutoff = Fixture.base.addingTimeInterval(50)
            let dry = try await store.prune(before: cutoff, keepFailed: true, dryRun: true, batchSize: 1)
            #expect(dry.runs == 1 && dry.attempts == 1 && dry.lineageEdges == 1 && dry.folders == ["/runs/demo/a"])
            #expect(try await store.detail("a") != nil, "a dry run deletes nothing")
            let kept = try await store.prune(before: cutoff, keepFailed: true, dryRun: false)
            #expect(kept.runs == 1)
            #expect(try await store.detail("a") == nil)
            #expect(try await store.detail("b") != nil)
            #expect(try await store.detail("running") != nil)
            let all = try await store.prune(before: cutoff, keepFailed: false, dryRun: false, batchSize: 1)
            #expect(all.runs == 1 && all.lineageEdges == 0, "b's edge is still the latest production of only.b")
            #expect(try await store.lastProduced(["only.b"])["only.b"]?.run == "b")
            #expect(try await store.list(limit: 10).map(\.id).sorted() == ["c", "running"])
        }
    }

    @Test("the last success is a run that ran tasks: a succeeded run of no tasks (an empty selection) is not it", arguments: StoreUnderTest.allCases)
    func lastSuccessSkipsEmptyRuns(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            try await Fixture.record(Fixture.run("worked", tasks: ["a"], started: Fixture.base), in: store, states: [.succeeded], finish: .succeeded)
            try await Fixture.record(Fixture.run("empty", tasks: [], started: Fixture.base.addingTimeInterval(10)), in: store,
                                     states: [], finish: .succeeded)
            #expect(try await store.lastSuccess(pipeline: "demo", before: Fixture.base.addingTimeInterval(20))?.id == "worked")
        }
    }
}
