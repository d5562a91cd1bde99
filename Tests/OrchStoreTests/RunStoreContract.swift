import Foundation
import Testing
import OrchExecution
import OrchTestSupport
import OrchStore

/// The two `RunStore` / `TickStore` implementations every contract test runs against.
enum StoreUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, postgres

    var testDescription: String { rawValue }

    /// Runs `body` on a fresh, empty store of this kind (Postgres: the real test server).
    func with(_ body: @Sendable (any RunStore, any TickStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            let store = InMemoryRunStore()
            try await body(store, store)
        case .postgres:
            let url = try await TestDatabase.fresh()
            try await Store.with(url) { store in try await body(store.runs, store.schedules) }
        }
    }
}

/// Records for the contract tests: whole seconds, so both stores read back the same dates.
enum Fixture {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func run(_ id: String, tasks: [String] = ["a", "b"], pipeline: String = "demo", trigger: RunTrigger = .manual,
                    started: Date = base, logical: Date = base, host: String = "elsewhere", pid: Int32 = 42) -> RunInfo {
        RunInfo(id: id, pipeline: pipeline, pipelineFile: "/p/\(pipeline).yml", trigger: trigger, logicalTime: logical,
                params: ["d": "x"], specHash: "abc", host: host, pid: pid, directory: "/runs/\(pipeline)/\(id)", tasks: tasks,
                startedAt: started)
    }

    static func attempt(_ task: String, _ n: Int, _ status: AttemptStatus, at: Date = base, errorClass: ErrorClass? = nil,
                        output: TaskOutput? = nil) -> AttemptRecord {
        AttemptRecord(task: task, attempt: n, status: status, startedAt: at, finishedAt: at.addingTimeInterval(1.5),
                      errorClass: errorClass, error: errorClass.map { "failed: \($0)" }, exitCode: status == .succeeded ? 0 : 1,
                      logPath: "/l/\(task)/attempt-\(n).log", logTail: "tail", output: output)
    }

    /// Starts `info` and runs each of its tasks to `states` (one attempt each, the last left running if `running`).
    static func record(_ info: RunInfo, in store: any RunStore, states: [TaskState], finish: RunStatus?) async throws {
        try await store.start(info)
        let token = info.owner.token
        for (task, state) in zip(info.tasks, states) where state != .pending {
            try await store.setTaskState(run: info.id, token: token, task: task, state: .running, at: base, message: nil)
            try await store.startAttempt(run: info.id, token: token, task: task, attempt: 1, at: base, logPath: "/l/\(task)/attempt-1.log")
            guard state != .running else { continue }
            try await store.finishAttempt(run: info.id, token: token,
                                          attempt(task, 1, state == .succeeded ? .succeeded : .failed, errorClass: state == .succeeded ? nil : .exitCode))
            try await store.setTaskState(run: info.id, token: token, task: task, state: state, at: base.addingTimeInterval(2), message: nil)
        }
        if let finish { try await store.finish(run: info.id, token: token, status: finish, at: base.addingTimeInterval(3), message: nil) }
    }
}
