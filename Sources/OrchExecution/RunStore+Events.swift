import Foundation

/// The owner's writes, for one run: what a `RunEvent` stands for in a store.
/// A store's own methods are one (`RunStore.writer`); PostgreSQL's batch is
/// another, on one transaction's connection.
public protocol RunEventWriter: Sendable {
    func start(_ info: RunInfo) async throws
    func setTaskState(task: String, state: TaskState, at: Date, message: String?) async throws
    func startAttempt(task: String, attempt: Int, at: Date, logPath: String) async throws
    func recordProcess(task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?) async throws
    func finishAttempt(_ record: AttemptRecord) async throws
    func finish(status: RunStatus, at: Date, message: String?) async throws
}

extension RunEvent {
    /// Writes what this event stands for (a scheduled retry is not stored).
    public func write(to writer: some RunEventWriter) async throws {
        switch self {
        case let .runStarted(info):
            try await writer.start(info)
        case let .taskStateChanged(task, state, at, message):
            try await writer.setTaskState(task: task, state: state, at: at, message: message)
        case let .attemptStarted(task, attempt, at, logPath):
            try await writer.startAttempt(task: task, attempt: attempt, at: at, logPath: logPath)
        case let .attemptProcessStarted(task, attempt, group, leader):
            try await writer.recordProcess(task: task, attempt: attempt, processGroup: group, leader: leader)
        case let .attemptFinished(record):
            try await writer.finishAttempt(record)
        case .retryScheduled:
            break
        case let .runFinished(status, at, message):
            try await writer.finish(status: status, at: at, message: message)
        }
    }
}

/// A store's methods as the writer of one run, with its owner's token.
public struct RunStoreWriter: RunEventWriter {
    public var store: any RunStore
    public var run: String
    public var token: String

    public func start(_ info: RunInfo) async throws { try await store.start(info) }
    public func setTaskState(task: String, state: TaskState, at: Date, message: String?) async throws {
        try await store.setTaskState(run: run, token: token, task: task, state: state, at: at, message: message)
    }
    public func startAttempt(task: String, attempt: Int, at: Date, logPath: String) async throws {
        try await store.startAttempt(run: run, token: token, task: task, attempt: attempt, at: at, logPath: logPath)
    }
    public func recordProcess(task: String, attempt: Int, processGroup: Int32, leader: ProcessStamp?) async throws {
        try await store.recordProcess(run: run, token: token, task: task, attempt: attempt, processGroup: processGroup, leader: leader)
    }
    public func finishAttempt(_ record: AttemptRecord) async throws { try await store.finishAttempt(run: run, token: token, record) }
    public func finish(status: RunStatus, at: Date, message: String?) async throws {
        try await store.finish(run: run, token: token, status: status, at: at, message: message)
    }
}

extension RunStore {
    /// Each event as the write it stands for, one after another (a store
    /// with transactions does them in one: `RunRepository.record`).
    public func record(_ events: [RunEvent], run: String, token: String) async throws {
        for event in events { try await record(event, run: run, token: token) }
    }

    public func record(_ event: RunEvent, run: String, token: String) async throws {
        try await event.write(to: RunStoreWriter(store: self, run: run, token: token))
    }
}
