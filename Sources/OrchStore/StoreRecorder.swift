import Foundation
import OrchExecution

/// Writes a run's events to the store as they happen. A write that fails
/// because the database is unreachable is retried with backoff; after that
/// the failure is reported on stderr and the run goes on (the files under
/// runs/ still hold the logs).
public struct StoreRecorder: RunObserver {
    let repository: RunRepository
    let runID: String
    var retryDelays: [Duration] = [.milliseconds(100), .milliseconds(500), .seconds(2), .seconds(5)]

    public init(store: Store, runID: String) {
        self.repository = store.runs
        self.runID = runID
    }

    public func observe(_ event: RunEvent) async {
        await write(event) {
            switch event {
            case let .runStarted(info):
                try await repository.start(info)
            case let .taskStateChanged(task, state, at, message):
                try await repository.setTaskState(run: runID, task: task, state: state, at: at, message: message)
            case let .attemptStarted(task, attempt, at, logPath):
                try await repository.startAttempt(run: runID, task: task, attempt: attempt, at: at, logPath: logPath)
            case let .attemptFinished(record):
                try await repository.finishAttempt(run: runID, record)
                try await repository.recordOutputs(run: runID, record)
            case .retryScheduled:
                break
            case let .runFinished(status, at, message):
                try await repository.finish(run: runID, status: status, at: at, message: message)
            }
        }
    }

    private func write(_ event: RunEvent, _ body: () async throws -> Void) async {
        var delays = retryDelays[...]
        while true {
            do {
                try await body()
                return
            } catch where StoreError.isConnectionProblem(error) && !delays.isEmpty {
                try? await Task.sleep(for: delays.removeFirst())
            } catch {
                FileHandle.standardError.write(Data("orch: could not record \(event.label) for run \(runID): \(StoreError.describe(error))\n".utf8))
                return
            }
        }
    }
}

extension RunEvent {
    var label: String {
        switch self {
        case .runStarted: return "the run's start"
        case let .taskStateChanged(task, state, _, _): return "task \(task) → \(state.rawValue)"
        case let .attemptStarted(task, attempt, _, _): return "the start of \(task) attempt \(attempt)"
        case let .attemptFinished(r): return "the end of \(r.task) attempt \(r.attempt)"
        case .retryScheduled: return "a retry"
        case let .runFinished(status, _, _): return "the run's end (\(status.rawValue))"
        }
    }
}
