import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution
import OrchStore
import OrchSpec

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the logs of a run's attempts (the last attempt of each task, unless --attempt); -f follows a running one."
    )

    @Argument(help: "A run id, a unique prefix of one, or `latest` (the most recent run).", completion: Complete.runIDs(latest: true))
    var run: String

    @Argument(help: "Only this task.", completion: Complete.taskIDs)
    var task: String?

    @Option(help: "This attempt number instead of the last.")
    var attempt: Int?

    @Flag(help: "Every attempt, not only the last.")
    var all = false

    @Flag(name: .shortAndLong, help: "Follow the running attempt's log as it grows, the next attempt's on retry, until the task (or run) ends.")
    var follow = false

    @Flag(help: "Print JSON: each attempt with its log path and lines.")
    var json = false

    func validate() throws {
        if follow && (attempt != nil || all) { throw ValidationError("--follow shows the latest attempt as it runs; leave out --attempt and --all") }
        if follow && json { throw ValidationError("--follow prints the log as it grows; leave out --json") }
    }

    func run() async throws {
        let (run, task, follow) = (self.run, self.task, self.follow)
        let environment = OrchEnvironment()
        let detail = try await environment.withStore { store -> StoredRunDetail in
            let id = try await store.runs.resolveRun(run)
            guard let detail = try await store.runs.detail(id) else { throw RunStoreError.notFound(run) }
            if let task, !detail.tasks.contains(where: { $0.taskID == task }) {
                let hint = KeySuggestion.nearest(to: task, among: detail.tasks.map(\.taskID)).map { " Did you mean `\($0)`?" } ?? ""
                throw RunSetupError("run \(detail.run.id) has no task `\(task)`.\(hint) Its tasks: \(detail.tasks.map(\.taskID).joined(separator: ", "))")
            }
            if follow {
                let follower = LogFollower(runID: id, task: task, heartbeatExpiry: environment.heartbeatExpiry)
                try await follower.follow(runs: store.runs) { text in FileHandle.standardOutput.write(Data(text.utf8)) }
            }
            return detail
        }
        if !follow { try print(detail) }
    }

    private func print(_ detail: StoredRunDetail) throws {
        var documents: [LogsJSON.Attempt] = []
        for t in detail.tasks where task == nil || t.taskID == task {
            var attempts = t.attempts
            if let attempt { attempts = attempts.filter { $0.attempt == attempt } } else if !all { attempts = attempts.suffix(1) }
            if attempts.isEmpty && task != nil {
                throw RunSetupError("task `\(t.taskID)` has no attempt\(attempt.map { " \($0)" } ?? "") in run \(detail.run.id)")
            }
            for a in attempts {
                if json { documents.append(LogsJSON.Attempt(task: t.taskID, a)); continue }
                Swift.print("==> \(t.taskID) attempt \(a.attempt) (\(a.status)) \(a.logPath) <==")
                if let text = try? String(contentsOfFile: a.logPath, encoding: .utf8) {
                    Swift.print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
                } else {
                    Swift.print("(no log file; the lines the store kept follow)")
                    Swift.print(a.logTail ?? "")
                }
            }
        }
        if json { Swift.print(try JSONOutput.render(LogsJSON(runID: detail.run.id, attempts: documents))) }
    }
}
