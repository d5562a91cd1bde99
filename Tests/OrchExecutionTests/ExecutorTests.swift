import Foundation
import Synchronization
import Testing
import OrchGraph
import OrchSpec
@testable import OrchExecution

/// A body driven by a closure: the executor's logic under test, not a kind.
struct ClosureBody: TaskBody {
    let work: @Sendable (TaskContext) async throws -> TaskOutput
    func run(_ context: TaskContext) async throws -> TaskOutput { try await work(context) }
}

/// Collects every event, in order.
final class EventLog: RunObserver {
    let events = Mutex<[RunEvent]>([])
    func observe(_ event: RunEvent) async { events.withLock { $0.append(event) } }

    var all: [RunEvent] { events.withLock { $0 } }

    func finalStates() -> [String: TaskState] {
        var out: [String: TaskState] = [:]
        for case let .taskStateChanged(task, state, _, _) in all { out[task] = state }
        return out
    }

    func attempts(_ task: String) -> [AttemptRecord] {
        all.compactMap { if case let .attemptFinished(r) = $0, r.task == task { return r } else { return nil } }
    }
}

@Suite("Executor: retries, timeouts, stops, parallelism")
struct ExecutorTests {
    /// However slow the machine, a short attempt's log is not put on disk by the flusher.
    static var logsInMemory: Executor.Configuration {
        var c = Executor.Configuration()
        c.logFlushDelay = .seconds(120)
        return c
    }

    func plan(_ specs: [(GraphNode, any TaskBody, RetryPolicy, Duration?)]) throws -> ExecutionPlan {
        let graph = try TaskGraph(nodes: specs.map(\.0))
        var tasks: [Int: PlannedTask] = [:]
        for (i, s) in specs.enumerated() { tasks[i] = PlannedTask(id: s.0.id, body: s.1, retry: s.2, timeout: s.3) }
        return ExecutionPlan(graph: graph, selected: Set(graph.nodes.indices), tasks: tasks)
    }

    func info(_ dir: String, _ plan: ExecutionPlan) -> RunInfo {
        RunInfo(id: "r1", pipeline: "p", pipelineFile: "p.yml", trigger: .manual, logicalTime: Date(), params: [:],
                specHash: "0", host: "h", pid: 1, directory: dir, tasks: plan.orderedIDs, startedAt: Date())
    }

    func retries(_ n: Int) -> RetryPolicy {
        var p = RetryPolicy()
        p.retries = n
        p.delay = .milliseconds(5)
        return p
    }

    @Test("a task failing twice then succeeding ends succeeded after 3 attempts, each with its own log")
    func retriesUntilSuccess() async throws {
        try await withTempDir { dir in
            let calls = Mutex(0)
            let body = ClosureBody { context in
                let n = calls.withLock { $0 += 1; return $0 }
                context.log.write("try \(n)")
                if n < 3 { throw TaskFailure(.exitCode, "boom \(n)", retryable: true, exitCode: 1) }
                return TaskOutput(summary: "fine")
            }
            let p = try plan([(GraphNode(id: "flaky"), body, retries(3), nil)])
            let log = EventLog()
            let status = await Executor(configuration: Self.logsInMemory).run(p, info: info(dir, p), observers: [log])
            #expect(status == .succeeded)
            let attempts = log.attempts("flaky")
            #expect(attempts.map(\.status) == [.failed, .failed, .succeeded])
            #expect(attempts.map(\.attempt) == [1, 2, 3])
            for a in attempts {
                #expect(a.logTail.contains("try \(a.attempt)"))
                if a.status == .succeeded {
                    // Short and successful: no file, and its stored tail is all it logged.
                    #expect(!FileManager.default.fileExists(atPath: a.logPath))
                    #expect(a.logTail.hasPrefix("== orch: task flaky, attempt 3 of 4"))
                } else {
                    #expect(try String(contentsOfFile: a.logPath, encoding: .utf8).contains("try \(a.attempt)"))
                }
            }
            #expect(log.all.filter { if case .retryScheduled = $0 { return true } else { return false } }.count == 2)
        }
    }

    @Test("an attempt log that is already there is never truncated: the attempt takes the next number (a crash during an outage leaves logs the records do not know)")
    func existingLogKept() async throws {
        try await withTempDir { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/t", withIntermediateDirectories: true)
            try "what the lost attempt wrote\n".write(toFile: "\(dir)/t/attempt-1.log", atomically: true, encoding: .utf8)
            let body = ClosureBody { context in
                context.log.write("this is attempt \(context.attempt)")
                return TaskOutput()
            }
            let p = try plan([(GraphNode(id: "t"), body, RetryPolicy(), nil)])
            let log = EventLog()
            #expect(await Executor(configuration: Self.logsInMemory).run(p, info: info(dir, p), observers: [log]) == .succeeded)
            #expect(log.attempts("t").map(\.attempt) == [2])
            #expect(try String(contentsOfFile: "\(dir)/t/attempt-1.log", encoding: .utf8) == "what the lost attempt wrote\n")
            // Attempt 2 was short and succeeded: no file of its own (its tail holds it all), and 1's is untouched.
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/t/attempt-2.log"))
            #expect(log.attempts("t").first?.logTail.contains("this is attempt 2") == true)
        }
    }

    @Test("an attempt that goes on has its log on disk while it runs (for `orch logs -f`), what it wrote so far first")
    func longAttemptLogOnDisk() async throws {
        try await withTempDir { dir in
            let body = ClosureBody { context in
                context.log.write("working")
                let deadline = ContinuousClock.now + .seconds(20)
                while !FileManager.default.fileExists(atPath: context.log.path) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let seen = (try? String(contentsOfFile: context.log.path, encoding: .utf8)) ?? ""
                return TaskOutput(summary: seen.contains("working") ? "seen" : "not seen")
            }
            let p = try plan([(GraphNode(id: "t"), body, RetryPolicy(), nil)])
            let log = EventLog()
            var configuration = Executor.Configuration()
            configuration.logFlushDelay = .milliseconds(50)
            #expect(await Executor(configuration: configuration).run(p, info: info(dir, p), observers: [log]) == .succeeded)
            let attempt = try #require(log.attempts("t").first)
            #expect(attempt.output?.summary == "seen")
            let text = try String(contentsOfFile: attempt.logPath, encoding: .utf8)
            #expect(text.hasPrefix("== orch: task t, attempt 1") && text.contains("working\n") && text.contains("== orch: succeeded"))
        }
    }

    @Test("a non-retryable failure is not retried; running out of retries fails")
    func retryBudget() async throws {
        try await withTempDir { dir in
            let fatal = ClosureBody { _ in throw TaskFailure(.http(status: 404), "not found", retryable: false) }
            let always = ClosureBody { _ in throw TaskFailure(.other("x"), "always", retryable: true) }
            let p = try plan([(GraphNode(id: "fatal"), fatal, retries(5), nil), (GraphNode(id: "always"), always, retries(2), nil)])
            let log = EventLog()
            #expect(await Executor().run(p, info: info(dir, p), observers: [log]) == .failed)
            #expect(log.attempts("fatal").count == 1)
            #expect(log.attempts("always").count == 3)
            #expect(log.finalStates() == ["fatal": .failed, "always": .failed])
        }
    }

    @Test("a timeout cancels the body and fails the task; downstream is upstream_failed; a sibling succeeds")
    func timeout() async throws {
        try await withTempDir { dir in
            let stopped = Mutex(false)
            let slow = ClosureBody { _ in
                do { try await Task.sleep(for: .seconds(30)) } catch { stopped.withLock { $0 = true }; throw error }
                return TaskOutput()
            }
            let quick = ClosureBody { _ in TaskOutput() }
            let p = try plan([
                (GraphNode(id: "slow"), slow, RetryPolicy(), .milliseconds(200)),
                (GraphNode(id: "after", after: ["slow"]), quick, RetryPolicy(), nil),
                (GraphNode(id: "sibling"), quick, RetryPolicy(), nil),
            ])
            let log = EventLog()
            let started = ContinuousClock.now
            #expect(await Executor().run(p, info: info(dir, p), observers: [log]) == .failed)
            #expect(ContinuousClock.now - started < .seconds(10), "the 200 ms timeout stops the 30 s body (bound loose for a loaded machine)")
            #expect(stopped.withLock { $0 })
            #expect(log.finalStates() == ["slow": .failed, "after": .upstreamFailed, "sibling": .succeeded])
            let attempt = try #require(log.attempts("slow").first)
            #expect(attempt.status == .timedOut)
            #expect(attempt.error?.contains("timed out after 200ms") == true)
        }
    }

    @Test("a stop request cancels running tasks and records every task in a final state")
    func stop() async throws {
        try await withTempDir { dir in
            let sleeper = ClosureBody { _ in try await Task.sleep(for: .seconds(30)); return TaskOutput() }
            let p = try plan([
                (GraphNode(id: "a"), sleeper, retries(3), nil),
                (GraphNode(id: "b"), sleeper, RetryPolicy(), nil),
                (GraphNode(id: "c", after: ["a"]), sleeper, RetryPolicy(), nil),
            ])
            let log = EventLog()
            let stop = StopSignal()
            async let status = Executor().run(p, info: info(dir, p), observers: [log], stop: stop)
            try await Task.sleep(for: .milliseconds(200))
            stop.request("test")
            #expect(await status == .cancelled)
            #expect(log.finalStates() == ["a": .cancelled, "b": .cancelled, "c": .cancelled])
            #expect(log.attempts("a").count == 1, "a cancelled attempt is not retried")
            guard case let .runFinished(s, _, message) = try #require(log.all.last) else {
                Issue.record("last event is not runFinished"); return
            }
            #expect(s == .cancelled)
            #expect(message?.contains("test") == true)
        }
    }

    @Test("fail-fast stops other tasks at the first failure")
    func failFast() async throws {
        try await withTempDir { dir in
            let fail = ClosureBody { _ in throw TaskFailure(.other("x"), "bad", retryable: false) }
            let sleeper = ClosureBody { _ in try await Task.sleep(for: .seconds(30)); return TaskOutput() }
            let p = try plan([
                (GraphNode(id: "fail"), fail, RetryPolicy(), nil),
                (GraphNode(id: "long"), sleeper, RetryPolicy(), nil),
                (GraphNode(id: "later"), sleeper, RetryPolicy(), nil),
            ])
            var config = Executor.Configuration()
            config.concurrency = 2
            config.failFast = true
            let log = EventLog()
            #expect(await Executor(configuration: config).run(p, info: info(dir, p), observers: [log]) == .failed)
            #expect(log.finalStates() == ["fail": .failed, "long": .cancelled, "later": .skipped])
        }
    }

    @Test("no more than `concurrency` tasks run at once")
    func boundedParallelism() async throws {
        try await withTempDir { dir in
            let running = Mutex((now: 0, peak: 0))
            let body = ClosureBody { _ in
                running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                try await Task.sleep(for: .milliseconds(20))
                running.withLock { $0.now -= 1 }
                return TaskOutput()
            }
            let p = try plan((0..<12).map { (GraphNode(id: "t\($0)"), body as any TaskBody, RetryPolicy(), nil) })
            var config = Executor.Configuration()
            config.concurrency = 3
            #expect(await Executor(configuration: config).run(p, info: info(dir, p), observers: []) == .succeeded)
            #expect(running.withLock { $0.peak } == 3)
        }
    }

    @Test("events arrive in order: run start first, run end last, each attempt start before its end")
    func eventOrder() async throws {
        try await withTempDir { dir in
            let body = ClosureBody { _ in TaskOutput() }
            let p = try plan([(GraphNode(id: "a"), body, RetryPolicy(), nil), (GraphNode(id: "b", after: ["a"]), body, RetryPolicy(), nil)])
            let log = EventLog()
            _ = await Executor().run(p, info: info(dir, p), observers: [log])
            let labels = log.all.map { e -> String in
                switch e {
                case .runStarted: return "start"
                case let .taskStateChanged(t, s, _, _): return "\(t):\(s.rawValue)"
                case let .attemptStarted(t, n, _, _): return "\(t):attempt\(n)"
                case let .attemptProcessStarted(t, n, _, _): return "\(t):process\(n)"
                case let .attemptFinished(r): return "\(r.task):done\(r.attempt)"
                case .retryScheduled: return "retry"
                case .runFinished: return "end"
                }
            }
            #expect(labels == ["start", "a:running", "a:attempt1", "a:done1", "a:succeeded", "b:running", "b:attempt1",
                               "b:done1", "b:succeeded", "end"])
        }
    }
}

func withTempDir(_ body: (String) async throws -> Void) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orch-exec-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try await body(dir)
}
