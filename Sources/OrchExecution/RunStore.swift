import Foundation

/// Where runs, task runs, attempts, data-test results and lineage are kept
/// (Dagster's `RunStorage`): the engine owns this protocol; OrchStore keeps
/// it in PostgreSQL, `InMemoryRunStore` in memory for fast tests. Every
/// implementation enforces the same rules: writes to a run carry its owner's
/// token and are refused with `RunWriteRefused` unless that token owns it
/// and it is running; run statuses move only as `RunStatusTransition` allows.
public protocol RunStore: Sendable {
    // MARK: the owner's writes

    /// Records a new run with its tasks pending, or (for a run taken over by
    /// `reopen` with this token) adds the tasks it did not have.
    func start(_ info: RunInfo) async throws
    func setTaskState(run: String, token: String, task: String, state: TaskState, at: Date, message: String?) async throws
    func startAttempt(run: String, token: String, task: String, attempt: Int, at: Date, logPath: String) async throws
    /// Where a command attempt's process group is, so `orch retry` can stop what is left of it.
    func recordProcess(run: String, token: String, task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?) async throws
    /// The end of an attempt, with its data-test result and, for a success, its lineage edges.
    func finishAttempt(run: String, token: String, _ record: AttemptRecord) async throws
    /// The run's end; the owner lets go of it.
    func finish(run: String, token: String, status: RunStatus, at: Date, message: String?) async throws
    /// A run's events in order, as one write where the store can (one
    /// transaction: the recorder's group commit); see `RunStore+Events`.
    func record(_ events: [RunEvent], run: String, token: String) async throws
    /// A run that could not start: failed, with the reason, no tasks and no owner. Writing it again changes nothing.
    func recordNotStarted(_ info: RunInfo, message: String) async throws

    // MARK: ownership

    /// Marks runs whose owner is gone as crashed (see `RunStatusTransition.crash`).
    @discardableResult
    func markCrashed(expiry: Duration) async throws -> [CrashedRun]
    /// Refreshes the heartbeat if `token` still owns the run, and says what it found.
    func heartbeat(run: String, token: String) async throws -> RunOwnership
    /// What `token` is to the run, without writing.
    func ownership(run: String, token: String) async throws -> RunOwnership
    /// An owner that lost its run lets go of it.
    func release(run: String, token: String) async throws
    /// The owner of a stopped run that may still be at work (fresh heartbeat, not provably gone).
    func liveOwner(run: String, expiry: Duration) async throws -> LiveOwner?
    /// Takes over a stopped run for `owner` (`orch retry`).
    /// - Throws: `RunStoreError` when the run is not (or no longer) failed, cancelled or crashed.
    func reopen(run: String, owner: RunOwner) async throws

    // MARK: reads

    /// Recent runs that pass `filter`, newest first, with task counts.
    func list(_ filter: RunFilter, limit: Int) async throws -> [StoredRun]
    /// How many runs pass `filter` (for "showing 20 of 57").
    func count(_ filter: RunFilter) async throws -> Int
    /// A run id from an id or a unique prefix. - Throws: `RunStoreError` when none or several match.
    func resolve(_ idOrPrefix: String) async throws -> String
    func detail(_ id: String) async throws -> StoredRunDetail?
    /// The newest failed, crashed or cancelled run.
    func latestUnsuccessful() async throws -> String?
    /// The pipeline's last successful run that started before `before` and ran at least one task.
    func lastSuccess(pipeline: String, before: Date) async throws -> StoredRun?
    /// Facts of each task's latest successful attempt in a run.
    func outputs(run: String) async throws -> [String: [String: String]]
    /// When each dataset was last produced, and by which run.
    func lastProduced(_ datasets: [String]) async throws -> [String: DatasetProduction]
    /// The latest attempt's result of every test in `run` (nil: the latest run with test results).
    func testResults(run: String?, model: String?, failedOnly: Bool) async throws -> (String?, [StoredTestResult])
    /// What `dataset` was made from (`upstream`) or what is made from it, following each dataset's latest production.
    func lineage(of dataset: String, upstream: Bool, depth: Int) async throws -> LineageNode
    /// Deletes runs that finished before `before` (see `RunStatusTransition.prunable`), in batches.
    func prune(before: Date, keepFailed: Bool, dryRun: Bool, batchSize: Int) async throws -> PruneResult
    /// Every name of `kind` the store holds, for a did-you-mean when a name given matches nothing.
    func knownNames(_ kind: KnownNameKind) async throws -> [String]
}

/// The run and time of a dataset's latest production.
public struct DatasetProduction: Sendable, Hashable {
    public var run: String
    public var at: Date
    public init(run: String, at: Date) {
        self.run = run
        self.at = at
    }
}

extension RunStore {
    public func list(pipeline: String?, limit: Int) async throws -> [StoredRun] { try await list(RunFilter(pipeline: pipeline), limit: limit) }
    public func list(limit: Int = 20) async throws -> [StoredRun] { try await list(pipeline: nil, limit: limit) }
    public func list(pipeline: String) async throws -> [StoredRun] { try await list(pipeline: pipeline, limit: 20) }

    public func testResults(run: String?, failedOnly: Bool = false) async throws -> (String?, [StoredTestResult]) {
        try await testResults(run: run, model: nil, failedOnly: failedOnly)
    }

    public func lineage(of dataset: String, upstream: Bool) async throws -> LineageNode {
        try await lineage(of: dataset, upstream: upstream, depth: 20)
    }

    public func prune(before: Date, keepFailed: Bool, dryRun: Bool) async throws -> PruneResult {
        try await prune(before: before, keepFailed: keepFailed, dryRun: dryRun, batchSize: 500)
    }
}
