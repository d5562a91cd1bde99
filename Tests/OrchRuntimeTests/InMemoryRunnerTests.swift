import Foundation
import Synchronization
import Testing
import OrchExecution
@testable import OrchRuntime
import OrchSchedule

/// The runner, reports, status and console rendering, and backfill on the
/// in-memory store: no PostgreSQL, `command` tasks only.
@Suite("Runtime on the in-memory store (no PostgreSQL)")
struct InMemoryRunnerTests {
    static let pipeline = """
    name: mem
    tasks:
      - { id: load, kind: command, command: "echo loading", writes: [raw.things] }
      - { id: check, kind: command, command: "echo checking; exit 3", after: [load], retries: 1, retry_delay: 10ms }
      - { id: build, kind: command, command: "echo built", reads: [raw.things], writes: [analytics.things], after: [check] }
    """

    struct Scratch {
        var dir: String
        var environment: OrchEnvironment

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("orch-mem-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            environment = OrchEnvironment(variables: ["ORCH_HOME": "\(dir)/home", "PATH": "/usr/bin:/bin"], currentDirectory: dir)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = "\(dir)/\(name)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    @Test("a failing pipeline records states, attempts and errors in the store, and writes its report")
    func runRecords() async throws {
        let scratch = try Scratch()
        let store = InMemoryRunStore()
        let path = try scratch.write("p.yml", Self.pipeline)
        let outcome = try await PipelineRunner(environment: scratch.environment).run(RunRequest(pipelinePath: path), runs: store, warehouse: nil)
        #expect(outcome.status == .failed)
        let detail = try #require(try await store.detail(outcome.info.id))
        #expect(detail.run.status == .failed)
        #expect(detail.tasks.map(\.state) == [.succeeded, .failed, .upstreamFailed])
        #expect(detail.run.taskCounts == [.succeeded: 1, .failed: 1, .upstreamFailed: 1])
        let check = detail.tasks[1]
        #expect(check.attempts.map(\.status) == [.failed, .failed])
        #expect(check.attempts.allSatisfy { $0.errorClass == .exitCode && $0.exitCode == 3 })
        #expect(check.attempts.allSatisfy { $0.logPath.hasSuffix("/check/attempt-\($0.attempt).log") })
        // Lineage of the one success.
        let produced = try await store.lastProduced(["raw.things"])
        #expect(produced["raw.things"]?.run == outcome.info.id)

        let markdown = try String(contentsOfFile: "\(outcome.info.directory)/report.md", encoding: .utf8)
        #expect(markdown.contains("# Run \(outcome.info.id): failed"))
        #expect(markdown.contains("### check: failed (exit_code)"))
        #expect(markdown.contains("| 1 | failed |") && markdown.contains("| 2 | failed |"))
        #expect(markdown.contains("Not run because of the failure: `build`"))
        #expect(markdown.contains("orch retry \(outcome.info.id)"))

        let status = StatusView.detail(detail, terminal: Terminal(color: false))
        #expect(status.contains("run \(outcome.info.id)  failed"))
        #expect(status.contains("upstream_failed"))
        #expect(status.contains("#2   failed"))
        let list = StatusView.runs(try await store.list(limit: 5), total: 1, terminal: Terminal(color: false), time: .utc)
        #expect(list.contains("1 succeeded, 1 failed, 1 upstream_failed"))
        #expect(list.contains("LOGICAL TIME") && list.contains(TimeDisplay.utc.format(outcome.info.logicalTime)), "\(list)")
        #expect(!list.contains("showing"), "every run is shown")
        let page = StatusView.runs(try await store.list(limit: 5), total: 57, terminal: Terminal(color: false), time: .utc)
        #expect(page.hasSuffix("showing 1 of 57 runs (--limit N for more)"), "\(page)")
        #expect(try await store.latestUnsuccessful() == outcome.info.id)
    }

    @Test("retry on the in-memory store reruns only what did not succeed, numbering attempts on")
    func retry() async throws {
        let scratch = try Scratch()
        let store = InMemoryRunStore()
        let flag = "\(scratch.dir)/flag"
        let path = try scratch.write("p.yml", Self.pipeline.replacingOccurrences(of: "echo checking; exit 3", with: "test -f \(flag)"))
        let runner = PipelineRunner(environment: scratch.environment)
        let first = try await runner.run(RunRequest(pipelinePath: path), runs: store, warehouse: nil)
        #expect(first.status == .failed)
        try "".write(toFile: flag, atomically: true, encoding: .utf8)
        let second = try await runner.resume(runID: first.info.id, runs: store, warehouse: nil)
        #expect(second.status == .succeeded)
        let detail = try #require(try await store.detail(first.info.id))
        #expect(detail.tasks.map(\.state) == [.succeeded, .succeeded, .succeeded])
        #expect(detail.tasks[0].attempts.count == 1, "what succeeded stays")
        #expect(detail.tasks[1].attempts.map(\.attempt) == [1, 2, 3])
        await #expect(throws: RunSetupError.self) { try await runner.resume(runID: first.info.id, runs: store, warehouse: nil) }
    }

    @Test("the console reporter prints state changes, failed attempts and a summary")
    func console() async throws {
        let scratch = try Scratch()
        let lines = Mutex<[String]>([])
        let reporter = ConsoleReporter(terminal: Terminal(color: false)) { line in lines.withLock { $0.append(line) } }
        let path = try scratch.write("p.yml", Self.pipeline)
        let outcome = try await PipelineRunner(environment: scratch.environment)
            .run(RunRequest(pipelinePath: path), runs: InMemoryRunStore(), warehouse: nil, observers: [reporter])
        let text = lines.withLock { $0 }.joined(separator: "\n")
        #expect(text.contains("load") && text.contains("succeeded"))
        #expect(text.contains("attempt 1 failed: "))
        #expect(text.contains("upstream_failed"))
        #expect(text.contains("run \(outcome.info.id) failed in"))
        #expect(text.contains("orch report \(outcome.info.id)") && text.contains("orch retry \(outcome.info.id)"),
                "the hint after a failure points to report and retry")
        #expect(!text.contains("orch status \(outcome.info.id)"))
    }

    @Test("backfill runs each logical time once, max_active_runs at a time, and skips what succeeded")
    func backfill() async throws {
        let scratch = try Scratch()
        let pipeline = try scratch.write("ok.yml", "name: ok\ntasks:\n  - { id: a, kind: command, command: \"sleep 0.2\" }\n")
        let schedule = try ScheduleParser.parse("pipeline: ok.yml\nevery: 1h\nmax_active_runs: 2\n", file: "\(scratch.dir)/ok.yml.schedule.yml")
        #expect(schedule.pipeline == pipeline)
        let store = InMemoryRunStore()
        let from = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 3600))
        let job = Backfill(schedule: schedule, from: from, to: from.addingTimeInterval(3 * 3600), environment: scratch.environment)
        let ticks = try await job.ticks(ticks: store)
        #expect(ticks.count == 4)
        let results = Mutex<[Backfill.Result]>([])
        let started = ContinuousClock.now
        let failed = await job.run(ticks, runs: store, warehouse: nil, stop: StopSignal()) { r in results.withLock { $0.append(r) } }
        #expect(failed == 0)
        #expect(ContinuousClock.now - started < .seconds(30))
        let all = results.withLock { $0 }
        #expect(all.count == 4 && all.allSatisfy { $0.succeeded })
        #expect(Set(try await store.list(limit: 10).map(\.logicalTime)) == Set(ticks))
        #expect(try await store.list(limit: 10).allSatisfy { $0.trigger == "backfill:\(schedule.name)" })
        #expect(try await job.ticks(ticks: store).isEmpty, "succeeded logical times are not run again")
        var again = job
        again.rerun = true
        #expect(try await again.ticks(ticks: store) == ticks)
    }
}
