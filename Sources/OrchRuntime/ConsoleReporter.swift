import Foundation
import OrchExecution
import OrchSpec
import Synchronization

/// Live progress on stdout: one line per state change, then a summary table.
public final class ConsoleReporter: RunObserver {
    private struct TaskLine {
        var state: TaskState = .pending
        var attempts = 0
        var started: Date?
        var finished: Date?
        var message: String?
    }

    private struct State {
        var info: RunInfo?
        var tasks: [String: TaskLine] = [:]
        var width = 8
    }

    private let terminal: Terminal
    private let state = Mutex(State())
    private let write: @Sendable (String) -> Void

    public init(terminal: Terminal, write: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.terminal = terminal
        self.write = write
    }

    private func stamp(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: date)
        return terminal.paint(String(format: "%02d:%02d:%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0), "2")
    }

    public func observe(_ event: RunEvent) async {
        let lines: [String] = state.withLock { s in
            switch event {
            case let .runStarted(info):
                s.info = info
                s.width = max(8, info.tasks.map(\.count).max() ?? 8)
                for t in info.tasks { s.tasks[t] = TaskLine() }
                return ["\(stamp(info.startedAt)) run \(terminal.paint(info.id, "1")) of \(info.pipeline): \(info.tasks.count) task(s), logs in \(info.directory)"]
            case let .taskStateChanged(task, newState, at, message):
                s.tasks[task, default: TaskLine()].state = newState
                if newState == .running { s.tasks[task]!.started = s.tasks[task]!.started ?? at }
                if newState.isFinal { s.tasks[task]!.finished = at; s.tasks[task]!.message = message }
                let pad = String(repeating: " ", count: max(0, s.width - task.count))
                var line = "\(stamp(at)) \(task)\(pad)  \(terminal.state(newState))"
                if newState.isFinal, let started = s.tasks[task]?.started { line += "  " + Terminal.seconds(at.timeIntervalSince(started)) }
                if let message, newState != .succeeded { line += "  " + firstLine(message) }
                return [line]
            case let .attemptStarted(task, attempt, _, _):
                s.tasks[task, default: TaskLine()].attempts = attempt
                return []
            case .attemptProcessStarted:
                return []
            case let .attemptFinished(record) where record.status != .succeeded:
                let pad = String(repeating: " ", count: max(0, s.width - record.task.count))
                return ["\(stamp(record.finishedAt)) \(record.task)\(pad)  attempt \(record.attempt) \(record.status.rawValue): \(firstLine(record.error ?? ""))"]
            case .attemptFinished:
                return []
            case let .retryScheduled(task, attempt, delay, at):
                let pad = String(repeating: " ", count: max(0, s.width - task.count))
                return ["\(stamp(at)) \(task)\(pad)  retrying in \(DurationText.format(delay)) (attempt \(attempt + 1) next)"]
            case let .runFinished(status, at, message):
                return summary(s, status: status, at: at, message: message)
            }
        }
        for line in lines { write(line) }
    }

    private func summary(_ s: State, status: RunStatus, at: Date, message: String?) -> [String] {
        guard let info = s.info else { return [] }
        var rows: [[String]] = []
        for id in info.tasks {
            let t = s.tasks[id] ?? TaskLine()
            let duration = t.started.map { (t.finished ?? at).timeIntervalSince($0) }
            rows.append([id, terminal.state(t.state), String(t.attempts), Terminal.seconds(duration),
                         t.state == .succeeded ? "" : firstLine(t.message ?? "")])
        }
        var counts: [String: Int] = [:]
        for id in info.tasks { counts[(s.tasks[id]?.state ?? .pending).rawValue, default: 0] += 1 }
        let countText = TaskState.allCases.compactMap { st in counts[st.rawValue].map { "\($0) \(st.rawValue)" } }
            .joined(separator: ", ")
        var lines = ["", Terminal.table(["TASK", "STATE", "ATTEMPTS", "DURATION", "ERROR"], rows), ""]
        lines.append("run \(info.id) \(terminal.state(status)) in \(Terminal.seconds(at.timeIntervalSince(info.startedAt))): \(countText)")
        if let message { lines.append(message) }
        if RunStatusTransition.reopen.from.contains(status) {
            lines.append("what failed and why: orch report \(info.id)    resume: orch retry \(info.id)")
        }
        return lines
    }

    private func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.count > 160 ? String(line.prefix(157)) + "..." : line
    }
}
