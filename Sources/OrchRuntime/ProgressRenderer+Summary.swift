import Foundation
import OrchExecution

extension ProgressRenderer {
    /// The end of a run: one summary line, then only the tasks that failed or
    /// needed retries (each failure with the last lines its log has, which
    /// usually say why), the whole per-task table with `verbose`, and what
    /// to do next.
    func summary(status: RunStatus, at: Date, message: String?) -> [String] {
        guard let info else { return [] }
        var lines = [""]
        if configuration.verbose {
            var rows: [[String]] = []
            for id in info.tasks {
                let t = tasks[id] ?? TaskProgress()
                rows.append([id, terminal.state(t.state), String(t.attempt), Terminal.seconds(t.work),
                             t.state == .succeeded ? "" : firstLine(t.message ?? "")])
            }
            lines += Terminal.table(["TASK", "STATE", "ATTEMPTS", "DURATION", "ERROR"], rows).split(separator: "\n").map(String.init)
            lines.append("")
        }
        lines.append("run \(info.id) \(terminal.state(status)) in \(Terminal.seconds(at.timeIntervalSince(info.sessionStartedAt))): \(counts(info))")
        for id in info.tasks {
            guard let t = tasks[id] else { continue }
            let tries = t.attemptsRun > 1 ? " after \(t.attemptsRun) attempts" : ""
            let took = t.work.map { " (\(Terminal.seconds($0)))" } ?? ""
            switch t.state {
            case .failed, .cancelled:
                // A task cancelled before it started is only counted.
                guard t.attemptsRun > 0 else { continue }
                lines.append("  \(id): \(terminal.state(t.state))\(tries)\(took): \(firstLine(t.message ?? ""))")
                lines += t.lastWords.map { "    \(terminal.paint("│", "2")) \($0)" }
            case .succeeded where t.attemptsRun > 1:
                lines.append("  \(id): \(terminal.state(t.state)) on attempt \(t.attempt)\(took)")
            default:
                continue
            }
        }
        if let message { lines.append(message) }
        if RunStatusTransition.reopen.from.contains(status) {
            lines.append("what failed and why: orch report \(info.id)    resume: orch retry \(info.id)")
        }
        return lines
    }

    /// `112 succeeded, 2 failed, 2 upstream_failed`, in TaskState's order.
    func counts(_ info: RunInfo) -> String {
        var byState: [TaskState: Int] = [:]
        for id in info.tasks { byState[tasks[id]?.state ?? .pending, default: 0] += 1 }
        return TaskState.allCases.compactMap { s in byState[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
    }
}
