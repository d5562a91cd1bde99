import Foundation
import OrchExecution

/// The text of `orch status` and `orch status RUN`.
public enum StatusView {
    /// The run list; `total` is how many runs the filters match (a note says when only some are shown).
    public static func runs(_ runs: [StoredRun], total: Int, filtered: Bool = false, terminal: Terminal,
                            time: TimeDisplay = .choose(utc: false)) -> String {
        guard !runs.isEmpty else {
            return filtered ? "no runs match" : "no runs yet; start one with `orch run PIPELINE.yml`"
        }
        let rows = runs.map { r -> [String] in
            let counts = Self.countOrder.compactMap { k in r.taskCounts[k].map { "\($0) \(k)" } }.joined(separator: ", ")
            return [r.id, r.pipeline, r.trigger, time.format(r.logicalTime), terminal.state(r.status), time.format(r.startedAt),
                    Terminal.seconds(r.duration), counts]
        }
        var text = Terminal.table(["RUN", "PIPELINE", "TRIGGER", "LOGICAL TIME", "STATUS", "STARTED", "DURATION", "TASKS"], rows)
        if total > runs.count { text += "\nshowing \(runs.count) of \(total) runs (--limit N for more)" }
        return text
    }

    /// The order of task counts in `orch status`: outcomes first, then what is still to come.
    static let countOrder: [TaskState] = [.succeeded, .failed, .upstreamFailed, .cancelled, .skipped, .running, .pending]

    public static func detail(_ d: StoredRunDetail, terminal: Terminal, time: TimeDisplay = .choose(utc: false)) -> String {
        let r = d.run
        var lines = [
            "run \(r.id)  \(terminal.state(r.status))",
            "  pipeline  \(r.pipeline) (\(r.pipelineFile)), spec \(r.specHash)",
            "  trigger   \(r.trigger), logical time \(time.format(r.logicalTime))",
            "  started   \(time.format(r.startedAt)) on \(r.host ?? "?") pid \(r.pid.map(String.init) ?? "?"), duration \(Terminal.seconds(r.duration))",
        ]
        if !r.params.isEmpty {
            lines.append("  params    " + r.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if let message = r.message { lines.append("  note      \(message)") }
        if let dir = r.runDirectory { lines.append("  folder    \(dir)") }
        lines.append("")
        var rows: [[String]] = []
        for t in d.tasks {
            rows.append([t.taskID, terminal.state(t.state), String(t.attemptCount), Terminal.seconds(t.workDuration()),
                         t.state == .succeeded ? "" : oneLine(t.message ?? "")])
            for a in t.attempts where t.attempts.count > 1 || a.status != .succeeded {
                rows.append(["  #\(a.attempt)", a.status.rawValue, "", Terminal.seconds(a.durationMs.map { Double($0) / 1000 }),
                             oneLine(a.error ?? "")])
            }
        }
        lines.append(Terminal.table(["TASK", "STATE", "ATTEMPTS", "DURATION", "ERROR"], rows))
        return lines.joined(separator: "\n")
    }

    static func oneLine(_ s: String) -> String {
        let line = s.split(separator: "\n").first.map(String.init) ?? ""
        return line.count > 120 ? String(line.prefix(117)) + "..." : line
    }
}
