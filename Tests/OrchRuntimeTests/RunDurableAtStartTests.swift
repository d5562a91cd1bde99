import Foundation
import Testing
import OrchExecution
@testable import OrchRuntime

/// A run that has started work is recorded before that work starts: kill -9
/// at any moment after a task began leaves a run to see and to retry.
@Suite("the run is durable before its first task")
struct RunDurableAtStartTests {
    @Test("a store slow to write the run's start: no task starts until it is written")
    func startBeforeWork() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orch-durable-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = "\(dir)/task-started"
        let path = "\(dir)/p.yml"
        try """
        name: durable
        tasks:
          - { id: work, kind: command, command: "touch \(marker); sleep 1" }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let environment = OrchEnvironment(variables: ["ORCH_HOME": "\(dir)/home", "PATH": "/usr/bin:/bin"], currentDirectory: dir)
        let inner = InMemoryRunStore()
        let request = {
            var request = RunRequest(pipelinePath: path)
            request.runID = "20301010-000000-durable"
            return request
        }()
        let runner = PipelineRunner(environment: environment)
        try await withThrowingTaskGroup(of: PipelineRunner.Outcome?.self) { group in
            group.addTask { try await runner.run(request, runs: SlowStart(inner: inner, delay: .milliseconds(800)), warehouse: nil) }
            group.addTask {
                while !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(5)) }
                let seen = try await inner.detail("20301010-000000-durable")
                #expect(seen?.run.status == .running, "the task is running, so its run is recorded")
                return nil
            }
            var outcomes: [PipelineRunner.Outcome] = []
            for try await outcome in group { if let outcome { outcomes.append(outcome) } }
            #expect(outcomes.map(\.status) == [.succeeded])
        }
    }
}

/// An in-memory store whose every `start` takes `delay`, as a loaded
/// database's first write can; everything else as the store does it (a
/// batch of events through these same methods: `record`'s default).
private struct SlowStart: RunStore {
    var inner: InMemoryRunStore
    var delay: Duration

    func start(_ info: RunInfo) async throws {
        try await Task.sleep(for: delay)
        try await inner.start(info)
    }
    func setTaskState(run: String, token: String, task: String, state: TaskState, at: Date, message: String?) async throws {
        try await inner.setTaskState(run: run, token: token, task: task, state: state, at: at, message: message)
    }
    func startAttempt(run: String, token: String, task: String, attempt: Int, at: Date, logPath: String) async throws {
        try await inner.startAttempt(run: run, token: token, task: task, attempt: attempt, at: at, logPath: logPath)
    }
    func recordProcess(run: String, token: String, task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?) async throws {
        try await inner.recordProcess(run: run, token: token, task: task, attempt: attempt, processGroup: processGroup, leader: leader)
    }
    func finishAttempt(run: String, token: String, _ record: AttemptRecord) async throws {
        try await inner.finishAttempt(run: run, token: token, record)
    }
    func finish(run: String, token: String, status: RunStatus, at: Date, message: String?) async throws {
        try await inner.finish(run: run, token: token, status: status, at: at, message: message)
    }
    func recordNotStarted(_ info: RunInfo, message: String) async throws { try await inner.recordNotStarted(info, message: message) }
    func markCrashed(expiry: Duration) async throws -> [CrashedRun] { try await inner.markCrashed(expiry: expiry) }
    func heartbeat(run: String, token: String) async throws -> RunOwnership { try await inner.heartbeat(run: run, token: token) }
    func ownership(run: String, token: String) async throws -> RunOwnership { try await inner.ownership(run: run, token: token) }
    func release(run: String, token: String) async throws { try await inner.release(run: run, token: token) }
    func liveOwner(run: String, expiry: Duration) async throws -> LiveOwner? { try await inner.liveOwner(run: run, expiry: expiry) }
    func reopen(run: String, owner: RunOwner) async throws { try await inner.reopen(run: run, owner: owner) }
    func list(_ filter: RunFilter, limit: Int) async throws -> [StoredRun] { try await inner.list(filter, limit: limit) }
    func count(_ filter: RunFilter) async throws -> Int { try await inner.count(filter) }
    func resolve(_ idOrPrefix: String) async throws -> String { try await inner.resolve(idOrPrefix) }
    func detail(_ id: String) async throws -> StoredRunDetail? { try await inner.detail(id) }
    func latestUnsuccessful() async throws -> String? { try await inner.latestUnsuccessful() }
    func lastSuccess(pipeline: String, before: Date) async throws -> StoredRun? { try await inner.lastSuccess(pipeline: pipeline, before: before) }
    func outputs(run: String) async throws -> [String: [String: String]] { try await inner.outputs(run: run) }
    func lastProduced(_ datasets: [String]) async throws -> [String: DatasetProduction] { try await inner.lastProduced(datasets) }
    func testResults(run: String?, model: String?, failedOnly: Bool) async throws -> (String?, [StoredTestResult]) {
        try await inner.testResults(run: run, model: model, failedOnly: failedOnly)
    }
    func lineage(of dataset: String, upstream: Bool, depth: Int) async throws -> LineageNode {
        try await inner.lineage(of: dataset, upstream: upstream, depth: depth)
    }
    func prune(before: Date, keepFailed: Bool, dryRun: Bool, batchSize: Int) async throws -> PruneResult {
        try await inner.prune(before: before, keepFailed: keepFailed, dryRun: dryRun, batchSize: batchSize)
    }
    func knownNames(_ kind: KnownNameKind) async throws -> [String] { try await inner.knownNames(kind) }
}
