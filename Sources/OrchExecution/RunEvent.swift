import Foundation
import OrchSpec

/// Who or what started a run.
public enum RunTrigger: Sendable, Hashable {
    /// The triggers of a schedule's runs: its ticks, its backfills and `orch trigger`.
    public static func all(of schedule: String) -> [RunTrigger] { [.schedule(schedule), .backfill(schedule), .trigger(schedule)] }

    case manual
    case schedule(String)
    case backfill(String)
    /// `orch trigger SCHEDULE`: a schedule's pipeline run now, by hand.
    case trigger(String)
    case retry(of: String)

    /// Reads back what `text` wrote.
    public init(text: String) {
        if text.hasPrefix("schedule:") { self = .schedule(String(text.dropFirst(9))) }
        else if text.hasPrefix("backfill:") { self = .backfill(String(text.dropFirst(9))) }
        else if text.hasPrefix("trigger:") { self = .trigger(String(text.dropFirst(8))) }
        else if text.hasPrefix("retry:") { self = .retry(of: String(text.dropFirst(6))) }
        else { self = .manual }
    }

    public var text: String {
        switch self {
        case .manual: return "manual"
        case let .schedule(name): return "schedule:\(name)"
        case let .backfill(name): return "backfill:\(name)"
        case let .trigger(name): return "trigger:\(name)"
        case let .retry(of): return "retry:\(of)"
        }
    }
}

/// What a run is, as recorded when it starts.
public struct RunInfo: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    public var pipelineFile: String
    public var trigger: RunTrigger
    public var logicalTime: Date
    public var params: [String: String]
    public var specHash: String
    /// The process that records this run: only it may write the run's state.
    public var owner: RunOwner
    public var host: String { owner.host }
    public var pid: Int32 { owner.pid }
    /// `runs/<pipeline>/<run-id>`.
    public var directory: String
    /// The tasks of this run (after selection), in a valid run order.
    public var tasks: [String]
    public var startedAt: Date
    /// When this session began, for a run resumed by `orch retry` (its `startedAt` is the first session's).
    public var resumedAt: Date?
    /// When this process began the run's work: what its elapsed times count from.
    public var sessionStartedAt: Date { resumedAt ?? startedAt }

    public init(id: String, pipeline: String, pipelineFile: String, trigger: RunTrigger, logicalTime: Date,
                params: [String: String], specHash: String, host: String, pid: Int32, directory: String,
                tasks: [String], startedAt: Date, resumedAt: Date? = nil, ownerToken: String = RunOwner.newToken(), processStamp: ProcessStamp? = nil) {
        self.id = id
        self.pipeline = pipeline
        self.pipelineFile = pipelineFile
        self.trigger = trigger
        self.logicalTime = logicalTime
        self.params = params
        self.specHash = specHash
        self.owner = RunOwner(token: ownerToken, host: host, pid: pid, stamp: processStamp)
        self.directory = directory
        self.tasks = tasks
        self.startedAt = startedAt
        self.resumedAt = resumedAt
    }

    /// A new id: sortable by time, short enough to type, unique enough for
    /// several schedulers, and saying that its time is UTC (`20261126T005125Z-3fa9c2`),
    /// so it cannot be read as local time beside a local clock.
    public static func makeID(at date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt32.random(in: 0..<0x100_0000), radix: 16)
        return f.string(from: date) + "-" + String(repeating: "0", count: 6 - suffix.count) + suffix
    }

    /// Whether `text` is a run id: `20261126T005125Z-3fa9c2`, or the older
    /// `20261126-005125-3fa9c2` (ids made before 0.12, still read and resolved).
    public static func isRunID(_ text: String) -> Bool {
        text.wholeMatch(of: /\d{8}T\d{6}Z-[0-9a-f]{6}/) != nil || text.wholeMatch(of: /\d{8}-\d{6}-[0-9a-f]{6}/) != nil
    }
}

/// One finished attempt, as the store and reports see it.
public struct AttemptRecord: Sendable, Hashable {
    public var task: String
    public var attempt: Int
    public var status: AttemptStatus
    public var startedAt: Date
    public var finishedAt: Date
    public var errorClass: ErrorClass?
    public var error: String?
    public var exitCode: Int32?
    public var logPath: String
    public var logTail: String
    public var output: TaskOutput?

    public init(task: String, attempt: Int, status: AttemptStatus, startedAt: Date, finishedAt: Date,
                errorClass: ErrorClass? = nil, error: String? = nil, exitCode: Int32? = nil, logPath: String,
                logTail: String = "", output: TaskOutput? = nil) {
        self.task = task
        self.attempt = attempt
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.errorClass = errorClass
        self.error = error
        self.exitCode = exitCode
        self.logPath = logPath
        self.logTail = logTail
        self.output = output
    }

    public var duration: Duration { Duration(clampedSeconds: finishedAt.timeIntervalSince(startedAt)) }
}

/// Everything that happens in a run, in order. Observers (the store, the
/// console) receive these in order from the journal.
public enum RunEvent: Sendable, Hashable {
    case runStarted(RunInfo)
    case taskStateChanged(task: String, state: TaskState, at: Date, message: String?)
    case attemptStarted(task: String, attempt: Int, at: Date, logPath: String)
    /// A command attempt's process started, as the leader of its own process group.
    case attemptProcessStarted(task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?)
    case attemptFinished(AttemptRecord)
    case retryScheduled(task: String, afterAttempt: Int, delay: Duration, at: Date)
    case runFinished(status: RunStatus, at: Date, message: String?)

    public var isRunStart: Bool {
        if case .runStarted = self { true } else { false }
    }
}

/// Receives a run's events in order. Implementations must not throw: a
/// failing observer logs and carries on, it never stops a run.
public protocol RunObserver: Sendable {
    func observe(_ event: RunEvent) async
    /// Events that queued up while the observer was busy, in order. An
    /// observer that can take them together (the store: one transaction)
    /// implements this; by default each is observed in turn.
    func observe(batch: [RunEvent]) async
    /// How long, after an event arrives, the observer's backlog waits for more
    /// before delivering them as one batch. Zero (the default) delivers at
    /// once: the console. The store waits a few milliseconds, so a run of
    /// quick tasks commits one transaction per window rather than per event.
    var gatherWindow: Duration { get }
    /// `count` events were queued for this observer and are not yet delivered
    /// (its queue depth, for `/metrics`); called on the executor's path, so it must be cheap.
    func queued(_ count: Int)
}

extension RunObserver {
    public func queued(_ count: Int) {}

    public func observe(batch: [RunEvent]) async {
        for event in batch { await observe(event) }
    }

    public var gatherWindow: Duration { .zero }
}
