import Foundation
import OrchExecution
import OrchRuntime
import OrchSpec

/// `orch report`'s content (`RunReport`, the same value the terminal and
/// `report.md` print) as the top of a failed run's page: how to resume,
/// what failed and why, failed tests, the blast radius, what changed.
struct ReportHTML {
    var report: RunReport
    var time: TimeDisplay
    /// The report's log tails come from the files, as printed: masked here with what the server knows.
    var secrets: SecretMask

    var html: HTML {
        let run = report.run
        let resume: HTML = report.resumeCommand.map { c -> HTML in
            report.neverStarted ? "<p><b>Never started.</b> Once the cause is fixed, <code>\(c)</code> runs its logical time again.</p>"
                                : "<p><b>Resume:</b> <code class=\"resume\">\(c)</code> (same run, logical time and params; what succeeded stays)</p>"
        } ?? "<p><b>\(run.status.rawValue.capitalized)</b>: nothing to resume.</p>"
        let failed = report.failedTasks.map { t -> HTML in
            let tail = secrets.apply(t.logTail)
            let why = AttemptLog.lastWords(of: tail).map { w -> HTML in "<blockquote>\(w)</blockquote>" }
            let attempts = t.attempts.map { a -> HTML in
                "<tr><td>\(a.attempt)</td><td>\(Layout.badge(a.status.rawValue))</td><td>\(time.format(a.startedAt))</td><td class=\"num\">\(Terminal.seconds(a.durationMs.map { Double($0) / 1000 }))</td><td>\(a.error ?? "")</td></tr>"
            }
            return """
            <h3><a href="#task-\(WebPath.encode(t.task))"><code>\(t.task)</code></a>: \(Layout.badge(t.state.rawValue))\(t.errorClass.map { c -> HTML in " (\(c.rawValue))" } ?? .empty)</h3>
            <p>\(t.message ?? "")</p>\(why)
            <table><thead><tr><th>attempt</th><th>status</th><th>started</th><th class="num">duration</th><th>error</th></tr></thead><tbody>\(attempts)</tbody></table>
            <p class="muted">Last log lines (\(t.logPath ?? "no log file")):</p><pre>\(tail)</pre>
            """
        }
        let tests = report.failedTests.map { r -> HTML in
            "<li><code>\(r.test)</code> (\(r.status.rawValue), severity \(r.severity.rawValue)): \(r.failingRows) failing row(s) in <code>\(r.model)\(r.column.map { "." + $0 })</code></li>"
        }
        var blast: HTML = report.blocked.isEmpty && report.blockedTests.isEmpty ? "<p>No task was held back.</p>"
            : "<p>Not run because of the failure: \(report.blocked.map { b -> HTML in "<code>\(b)</code>" }.joined(separator: ", "))\(report.blockedTests.isEmpty ? .empty : "; and \(report.blockedTests.count) data test(s)")</p>"
        if !report.staleDatasets.isEmpty {
            let rows = report.staleDatasets.map { s -> HTML in
                "<tr><td><a href=\"\(href: WebPath(segments: ["lineage"], query: [("dataset", s.dataset)]))\"><code>\(s.dataset)</code></a></td><td>\(s.notRebuiltBy)</td><td>\(s.lastProducedAt.map { time.format($0) } ?? "never")\(s.lastProducedBy.map { " (run " + $0 + ")" })</td><td class=\"num\">\(s.ageSeconds.map { Terminal.seconds($0) } ?? "-")</td></tr>"
            }
            blast += "<table><thead><tr><th>dataset now stale</th><th>not rebuilt by</th><th>last produced</th><th class=\"num\">age</th></tr></thead><tbody>\(rows)</tbody></table>"
        }
        let since: HTML
        if let c = report.lastSuccess {
            let params = c.paramChanges.sorted { $0.key < $1.key }.map { k, v -> HTML in "<code>\(k)</code> \(v.before ?? "(unset)") → \(v.after ?? "(unset)")" }
            let sources = c.sources.map { s -> HTML in
                "<tr><td>\(s.task)</td><td class=\"num\">\(s.rows)</td><td class=\"num\">\(s.lastGoodRows.map(String.init) ?? "-")</td><td class=\"num\">\(s.changePercent.map { String(format: "%+.1f %%", $0) } ?? "-")\(s.anomaly ? " <b>anomaly</b>" : .empty)</td></tr>"
            }
            since = """
            <p>Last success: run <a href="\(href: WebPath("run", c.lastSuccessRunID))"><code>\(c.lastSuccessRunID)</code></a> at \(time.format(c.lastSuccessAt)).
            Pipeline definition \(c.specChanged ? "<b>changed</b> (spec hash differs)" as HTML : "unchanged"); params \(params.isEmpty ? "unchanged" : params.joined(separator: ", ")).</p>
            \(sources.isEmpty ? .empty : "<table><thead><tr><th>source</th><th class=\"num\">rows now</th><th class=\"num\">rows then</th><th class=\"num\">change</th></tr></thead><tbody>\(sources)</tbody></table>")
            """
        } else {
            since = "<p>No earlier successful run of <code>\(run.pipeline)</code>.</p>"
        }
        return """
        <section class="report" id="report"><h2>Failure report</h2>\(resume)
        \(failed.isEmpty ? .empty : "<h2>What failed</h2>\(failed)")
        \(tests.isEmpty ? .empty : "<h2>Failed data tests</h2><ul>\(tests)</ul><p><a href=\"\(href: WebPath(segments: ["tests"], query: [("run", run.id)]))\">samples and SQL</a></p>")
        <h2>Blast radius</h2>\(blast)
        <h2>Since the last good run</h2>\(since)</section>
        """
    }
}
