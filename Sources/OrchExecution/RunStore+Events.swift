import Foundation

extension RunStore {
    /// Each event as the write it stands for, one after another (a store
    /// with transactions does them in one: `RunRepository.record`).
    public func record(_ events: [RunEvent], run: String, token: String) async throws {
        for event in events { try await record(event, run: run, token: token) }
    }

    /// The one write `event` stands for (a scheduled retry is not stored).
    public func record(_ event: RunEvent, run: String, token: String) async throws {
        switch event {
        case let .runStarted(info):
            try await start(info)
        case let .taskStateChanged(task, state, at, message):
            try await setTaskState(run: run, token: token, task: task, state: state, at: at, message: message)
        case let .attemptStarted(task, attempt, at, logPath):
            try await startAttempt(run: run, token: token, task: task, attempt: attempt, at: at, logPath: logPath)
        case let .attemptProcessStarted(task, attempt, group, leader):
            try await recordProcess(run: run, token: token, task: task, attempt: attempt, processGroup: group, leader: leader)
        case let .attemptFinished(record):
            try await finishAttempt(run: run, token: token, record)
        case .retryScheduled:
            break
        case let .runFinished(status, at, message):
            try await finish(run: run, token: token, status: status, at: at, message: message)
        }
    }
}
