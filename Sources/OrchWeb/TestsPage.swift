import Foundation
import Hummingbird
import OrchExecution
import OrchStore

/// `/tests[?run=RUN][&failed=1]`: a run's data-test results (default: the
/// latest run that has any), failed first, each with its failing rows, a
/// sample of them and the SQL that returns them.
struct TestsPage {
    let context: WebContext

    static func rank(_ s: TestResult.Status) -> Int {
        switch s {
        case .fail: 0
        case .error: 1
        case .warn: 2
        case .pass: 3
        }
    }

    func render(run: String?, failedOnly: Bool) async throws -> Response {
        let runs = context.store.runs
        var resolved: String?
        if let run, !run.isEmpty { resolved = try await runs.resolve(run) }
        let (runID, results) = try await runs.testResults(run: resolved, model: nil, failedOnly: failedOnly)
        guard let runID else {
            return Layout.page("Tests", section: .tests, "<h1>Tests</h1><p>No data-test results are recorded yet: run a pipeline with a sql_model task.</p>")
        }
        let sorted = results.sorted { (Self.rank($0.status), $0.test) < (Self.rank($1.status), $1.test) }
        let counts = Dictionary(grouping: results, by: \.status).mapValues(\.count)
        let summary = [TestResult.Status.fail, .error, .warn, .pass].compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
        let rows = sorted.map { r -> HTML in
            let failing = r.status != .pass
            return """
            <tr id="test-\(WebPath.encode(r.test))"><td><code>\(r.test)</code><div class="muted">\(r.testType)</div></td><td>\(Layout.badge(r.status.rawValue))</td>
            <td>\(r.severity.rawValue)</td><td><code>\(r.model)\(r.column.map { "." + $0 })</code></td><td class="num">\(r.failingRows)</td>
            <td>\(r.message ?? "")\(failing && r.sampleRows != "[]" && !r.sampleRows.isEmpty ? "<details open><summary>sample rows</summary><pre>\(r.sampleRows)</pre></details>" : .empty)
            <details\(HTML(trusted: failing ? " open" : ""))><summary>SQL that returns the failing rows</summary><pre>\(r.sql)</pre></details></td></tr>
            """
        }
        let toggle = WebPath(segments: ["tests"], query: [("run", runID), ("failed", failedOnly ? nil : "1")])
        let body: HTML = """
        <h1>Data tests of run <a href="\(href: WebPath("run", runID))"><code>\(runID)</code></a></h1>
        <p>\(summary.isEmpty ? "no results" : summary) · <a href="\(href: toggle)">\(failedOnly ? "show every test" : "only those that did not pass")</a></p>
        <table id="tests"><thead><tr><th>test</th><th>status</th><th>severity</th><th>model.column</th><th class="num">failing rows</th>
        <th>details</th></tr></thead><tbody>\(rows)</tbody></table>
        """
        return Layout.page("Tests", section: .tests, body)
    }
}
