import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution
import OrchStore

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the logs of a run's attempts (the last attempt of each task, unless --attempt)."
    )

    @Argument(help: "A run id or a unique prefix.")
    var run: String

    @Argument(help: "Only this task.")
    var task: String?

    @Option(help: "This attempt number instead of the last.")
    var attempt: Int?

    @Flag(help: "Every attempt, not only the last.")
    var all = false

    @Flag(help: "Print JSON: each attempt with its log path and lines.")
    var json = false

    func run() async throws {
        let (run, task, attempt, all) = (self.run, self.task, self.attempt, self.all)
        let detail = try await OrchEnvironment().withStore { store -> StoredRunDetail in
            let id = try await store.runs.resolve(run)
            guard let detail = try await store.runs.detail(id) else { throw RunStoreError.notFound(run) }
            return detail
        }
        var tasks = detail.tasks
        if let task {
            tasks = tasks.filter { $0.taskID == task }
            guard !tasks.isEmpty else {
                throw RunSetupError("run \(detail.run.id) has no task `\(task)`; its tasks: \(detail.tasks.map(\.taskID).joined(separator: ", "))")
            }
        }
        var documents: [LogsJSON.Attempt] = []
        for t in tasks {
            var attempts = t.attempts
            if let attempt { attempts = attempts.filter { $0.attempt == attempt } } else if !all { attempts = attempts.suffix(1) }
            if attempts.isEmpty && task != nil {
                throw RunSetupError("task `\(t.taskID)` has no attempt\(attempt.map { " \($0)" } ?? "") in run \(detail.run.id)")
            }
            for a in attempts {
                if json { documents.append(LogsJSON.Attempt(task: t.taskID, a)); continue }
                print("==> \(t.taskID) attempt \(a.attempt) (\(a.status)) \(a.logPath) <==")
                if let text = try? String(contentsOfFile: a.logPath, encoding: .utf8) {
                    print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
                } else {
                    print("(log file missing; stored tail follows)")
                    print(a.logTail ?? "")
                }
            }
        }
        if json { print(try JSONOutput.render(LogsJSON(runID: detail.run.id, attempts: documents))) }
    }
}
