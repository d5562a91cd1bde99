import Foundation
import OrchExecution
import OrchSpec

/// What `orch run` shows while it runs, as a pure value: events in, lines
/// out, no terminal. `ConsoleReporter` prints what it returns.
///
/// Two forms. `live` (a terminal): lines printed for good only for what
/// must stay on screen (the start, failures as they happen, the summary),
/// and a status area redrawn below them (`area(now:)`: the `[done/total]`
/// counter, each running task with its elapsed time), every line cut to
/// the terminal's width so that nothing wraps. `lines` (a pipe, a log file,
/// NO_COLOR): one line per state change, each prefixed with `[done/total]`
/// and cut at `Configuration.lineLimit`.
public struct ProgressRenderer: Sendable {
    public enum Mode: Sendable, Hashable {
        case live
        case lines
    }

    public struct Configuration: Sendable {
        public var mode: Mode
        public var terminal: Terminal
        /// Lines are cut to this many columns (the terminal's width when live).
        public var width: Int
        /// The most lines the live area may take (the terminal's height, less room for what scrolls above).
        public var height = 12
        /// The full per-task table in the summary, not only the failed and retried tasks.
        public var verbose = false
        /// How clock times are shown (local with its offset, or `--utc`); the first line names the zone.
        public var time = TimeDisplay.choose(utc: false)

        /// Piped output is cut here: long enough for any sane message, short enough to read.
        public static let lineLimit = 200

        public init(mode: Mode, terminal: Terminal, width: Int) {
            self.mode = mode
            self.terminal = terminal
            self.width = width
        }

        /// The form `terminal` calls for: live with colour on a terminal, else lines.
        public static func detect(_ terminal: Terminal, verbose: Bool) -> Configuration {
            var c = terminal.color
                ? Configuration(mode: .live, terminal: terminal, width: terminal.width)
                : Configuration(mode: .lines, terminal: terminal, width: lineLimit)
            c.height = max(3, min(12, terminal.height - 4))
            c.verbose = verbose
            return c
        }
    }

    /// One task as the progress knows it.
    struct TaskProgress: Sendable {
        var state: TaskState = .pending
        /// The attempt running or last run.
        var attempt = 0
        /// Attempts this session ran (an earlier session's are not seen).
        var attemptsRun = 0
        var attemptStartedAt: Date?
        var firstStartedAt: Date?
        /// The attempts' own durations, added up.
        var work: TimeInterval?
        var message: String?
        /// The last lines the failed attempt wrote (why it failed).
        var lastWords: [String] = []
    }

    public let configuration: Configuration
    var info: RunInfo?
    var tasks: [String: TaskProgress] = [:]
    var nameWidth = 8
    /// Tasks in a final state.
    var done = 0
    var finished = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    var total: Int { info?.tasks.count ?? 0 }
    var counter: String { "[\(done)/\(total)]" }
    var terminal: Terminal { configuration.terminal }

    /// Applies `event`; returns the lines to print for good (in live mode, above the area).
    public mutating func apply(_ event: RunEvent) -> [String] {
        let lines: [String]
        switch event {
        case let .runStarted(info):
            self.info = info
            // Names line up, but never push the times off a narrow terminal.
            nameWidth = min(40, max(8, configuration.width - 20), max(8, info.tasks.map(\.count).max() ?? 8))
            for t in info.tasks { tasks[t] = TaskProgress() }
            lines = ["\(stamp(info.sessionStartedAt)) (\(configuration.time.zone(at: info.sessionStartedAt))) run \(terminal.paint(info.id, "1")) of \(info.pipeline): "
                     + "\(info.tasks.count) task(s), logs in \(info.directory)"]
        case let .taskStateChanged(task, state, at, message):
            lines = changeState(task, to: state, at: at, message: message)
        case let .attemptStarted(task, attempt, at, _):
            tasks[task, default: TaskProgress()].attempt = attempt
            tasks[task]!.attemptsRun += 1
            tasks[task]!.attemptStartedAt = at
            tasks[task]!.firstStartedAt = tasks[task]!.firstStartedAt ?? at
            lines = []
        case .attemptProcessStarted:
            lines = []
        case let .attemptFinished(record):
            tasks[record.task, default: TaskProgress()].work = (tasks[record.task]?.work ?? 0) + record.finishedAt.timeIntervalSince(record.startedAt)
            tasks[record.task]!.attemptStartedAt = nil
            guard record.status != .succeeded else { lines = []; break }
            tasks[record.task]!.lastWords = AttemptLog.lastWords(of: record.logTail)
            lines = ["\(stamp(record.finishedAt)) \(padded(record.task))  attempt \(record.attempt) \(terminal.paint(record.status.rawValue, "31")): "
                     + firstLine(record.error ?? "")]
        case let .retryScheduled(task, attempt, delay, at):
            lines = ["\(stamp(at)) \(padded(task))  retrying in \(DurationText.format(delay)) (attempt \(attempt + 1) next)"]
        case let .runFinished(status, at, message):
            finished = true
            lines = summary(status: status, at: at, message: message)
        }
        return lines.map(finish)
    }

    private mutating func changeState(_ task: String, to state: TaskState, at: Date, message: String?) -> [String] {
        let before = tasks[task]?.state ?? .pending
        tasks[task, default: TaskProgress()].state = state
        if state.isFinal && !before.isFinal { done += 1 }
        if !state.isFinal && before.isFinal { done -= 1 }
        if state.isFinal { tasks[task]!.message = message }
        var line = "\(stamp(at)) \(padded(task))  \(terminal.state(state))"
        if state.isFinal, let work = tasks[task]?.work { line += "  " + Terminal.seconds(work) }
        if let message, state != .succeeded { line += "  " + firstLine(message) }
        switch configuration.mode {
        case .lines:
            return [line]
        case .live:
            // On a terminal only what went wrong stays on screen; the rest is the area's.
            return state == .failed || state == .cancelled ? [line] : []
        }
    }

    /// The status area at `now`: the counter, then each running task with its elapsed time.
    public func area(now: Date) -> [String] {
        guard configuration.mode == .live, let info, !finished else { return [] }
        let running = info.tasks.filter { tasks[$0]?.state == .running }
        let failed = tasks.values.filter { $0.state == .failed }.count
        var head = "\(terminal.paint(counter, "1")) \(Terminal.seconds(now.timeIntervalSince(info.sessionStartedAt))) elapsed, "
            + "\(running.count) running"
        if failed > 0 { head += ", " + terminal.paint("\(failed) failed", "31") }
        var lines = [head]
        let room = max(1, configuration.height - 1)
        let shown = running.count > room ? room - 1 : running.count
        // The longest-running first: what a watcher wants to see.
        let byAge = running.sorted { (tasks[$0]?.firstStartedAt ?? now) < (tasks[$1]?.firstStartedAt ?? now) }
        for id in byAge.prefix(shown) {
            let t = tasks[id] ?? TaskProgress()
            // The time first, right-aligned: a long name is what gets cut, never the time.
            let elapsed = Terminal.seconds(t.firstStartedAt.map { now.timeIntervalSince($0) })
            var line = "  \(terminal.paint("▸", "36")) \(String(repeating: " ", count: max(0, 6 - elapsed.count)))\(elapsed)  \(id)"
            if t.attempt > 1 { line += "  attempt \(t.attempt)" }
            lines.append(line)
        }
        if running.count > shown { lines.append("  … and \(running.count - shown) more") }
        return lines.map { Terminal.cut($0, to: configuration.width) }
    }

    /// A line as it is printed: prefixed with the counter when piped, cut to the width.
    private func finish(_ line: String) -> String {
        guard !line.isEmpty else { return line }
        return Terminal.cut(configuration.mode == .lines ? "\(counter) \(line)" : line, to: configuration.width)
    }

    func padded(_ task: String) -> String {
        task + String(repeating: " ", count: max(0, nameWidth - task.count))
    }

    func stamp(_ date: Date) -> String {
        terminal.paint(configuration.time.clock(date), "2")
    }

    func firstLine(_ text: String) -> String {
        text.split(separator: "\n").first.map(String.init) ?? ""
    }
}
