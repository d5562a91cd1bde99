import Foundation
import OrchExecution

/// The text of `orch tests` and `orch lineage`.
public enum TestsView {
    public static func render(runID: String, _ results: [StoredTestResult], terminal: Terminal) -> String {
        guard !results.isEmpty else { return "run \(runID): no test results match" }
        var lines = ["run \(runID): \(results.count) test(s)"]
        let counts = Dictionary(grouping: results, by: \.status).mapValues(\.count)
        lines[0] += ": " + [TestResult.Status.pass, .warn, .fail, .error].compactMap { s in counts[s].map { "\($0) \(s)" } }
            .joined(separator: ", ")
        let rows = results.map { r -> [String] in
            [paint(r.status, terminal), r.test, r.model + (r.column.map { ".\($0)" } ?? ""), r.severity.rawValue, String(r.failingRows)]
        }
        lines.append("")
        lines.append(Terminal.table(["STATUS", "TEST", "MODEL.COLUMN", "SEVERITY", "FAILING"], rows))
        for r in results where r.status != .pass {
            lines.append("")
            lines.append("\(paint(r.status, terminal)) \(r.test) on \(r.model)\(r.column.map { ".\($0)" } ?? ""): \(r.failingRows) failing row(s)"
                         + (r.message.map { " — \($0)" } ?? ""))
            if r.sampleRows != "[]" { lines.append("  samples: \(r.sampleRows)") }
            lines.append("  reproduce:")
            lines += r.sql.split(separator: "\n").map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func paint(_ status: TestResult.Status, _ terminal: Terminal) -> String {
        switch status {
        case .pass: return terminal.paint(status.rawValue, "32")
        case .warn: return terminal.paint(status.rawValue, "33")
        case .fail, .error: return terminal.paint(status.rawValue, "31")
        }
    }

    public static func lineage(_ root: LineageNode, upstream: Bool, time: TimeDisplay = .choose(utc: false)) -> String {
        var lines: [String] = []
        func walk(_ node: LineageNode, prefix: String, last: Bool, top: Bool) {
            let produced = node.lastRunID.map { run in
                " (run \(run), task \(node.lastTaskID ?? "?"), \(node.lastProducedAt.map { time.format($0) } ?? "?"))"
            } ?? (node.dataset.hasPrefix("file:") || node.dataset.hasPrefix("http:") ? "" : " (never produced by orch)")
            lines.append(top ? node.dataset + produced : prefix + (last ? "└─ " : "├─ ") + node.dataset + produced)
            let childPrefix = top ? "" : prefix + (last ? "   " : "│  ")
            for (i, child) in node.children.enumerated() {
                walk(child, prefix: childPrefix, last: i == node.children.count - 1, top: false)
            }
        }
        walk(root, prefix: "", last: true, top: true)
        if root.children.isEmpty {
            lines.append(upstream ? "  (no recorded inputs)" : "  (nothing recorded reads it)")
        }
        return lines.joined(separator: "\n")
    }
}
