import Foundation
import OrchExecution
import OrchRuntime

/// A Gantt chart of a run's attempts: one row per task that ran, one bar
/// per attempt, so retries show as several bars in a row with the wait
/// between them. Times are offsets from the run's start.
struct TimelinePicture {
    var runStart: Date
    var now: Date
    var tasks: [StoredTaskRun]

    static let labelWidth = 190.0, chartWidth = 900.0, rowHeight = 18.0, top = 22.0

    var svg: HTML {
        // A waterfall: tasks in the order they first started.
        let rows = tasks.filter { !$0.attempts.isEmpty }.sorted { ($0.attempts[0].startedAt, $0.position) < ($1.attempts[0].startedAt, $1.position) }
        guard !rows.isEmpty else { return "<p class=\"muted\">No attempt has started yet.</p>" }
        let ends = rows.flatMap(\.attempts).map { $0.finishedAt ?? now }
        let span = max(ends.map { $0.timeIntervalSince(runStart) }.max() ?? 0, 0.001)
        let scale = Self.chartWidth / span
        let width = Self.labelWidth + Self.chartWidth + 16, height = Self.top + Double(rows.count) * Self.rowHeight + 4
        func x(_ d: Date) -> Double { Self.labelWidth + max(d.timeIntervalSince(runStart), 0) * scale }
        let ticks = (0...5).map { k -> HTML in
            let t = span * Double(k) / 5, tx = Self.labelWidth + t * scale
            let anchor: HTML = k == 5 ? " text-anchor=\"end\"" : ""
            return "<line class=\"grid\" x1=\"\(tx)\" y1=\"\(Self.top - 4)\" x2=\"\(tx)\" y2=\"\(height)\"/><text x=\"\(tx + (k == 5 ? -2 : 2))\" y=\"12\"\(anchor)>+\(Terminal.seconds(t))</text>"
        }
        let bars = rows.enumerated().map { r, task -> HTML in
            let y = Self.top + Double(r) * Self.rowHeight
            let label = task.taskID.count > 28 ? String(task.taskID.prefix(27)) + "…" : task.taskID
            let attempts = task.attempts.map { a -> HTML in
                let end = a.finishedAt ?? now
                let bx = x(a.startedAt), bw = max(x(end) - bx, 2)
                let took = Terminal.seconds(a.durationMs.map { Double($0) / 1000 } ?? end.timeIntervalSince(a.startedAt))
                return """
                <rect class="a-\(a.status.rawValue)" x="\(bx)" y="\(y + 2)" width="\(bw)" height="\(Self.rowHeight - 5)" rx="2">\
                <title>\(task.taskID) attempt \(a.attempt): \(a.status.rawValue), \(took)\(a.error.map { ": " + $0 })</title></rect>\
                \(task.attempts.count > 1 ? "<text class=\"n\" x=\"\(bx + 2)\" y=\"\(y + 12)\">\(a.attempt)</text>" : .empty)
                """
            }
            return "<text x=\"4\" y=\"\(y + 12)\"><title>\(task.taskID)</title>\(label)</text>\(attempts)"
        }
        return """
        <div class="scroll"><svg class="gantt" xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
        <style>.gantt .grid{stroke:#eceff1}.gantt text{fill:#37474f}.gantt text.n{fill:#fff;font-size:9px}
        .a-succeeded{fill:#2e7d32}.a-failed,.a-timed_out{fill:#c62828}.a-running{fill:#1565c0}.a-cancelled{fill:#9e9e9e}</style>
        \(ticks)\(bars)</svg></div>
        """
    }
}
