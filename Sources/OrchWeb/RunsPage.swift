import Foundation
import Hummingbird
import OrchExecution
import OrchRuntime
import OrchStore

/// `/`: the run history, newest first, filtered by pipeline, status,
/// trigger and day, a page at a time. Pages go back in time after the last
/// run shown (`after=RUN`), so each page is one range scan of the
/// start-time index however deep it is.
struct RunsPage {
    static let pageSize = 50
    let context: WebContext

    struct Query {
        var filter = RunFilter()
        /// The day picked (`date=YYYY-MM-DD`, local), kept for the form.
        var day: String?
        var limit = RunsPage.pageSize
    }

    func query(_ q: QueryParameters) throws -> Query {
        var query = Query()
        if let p = q.get("pipeline"), !p.isEmpty { query.filter.pipeline = p }
        if let s = q.get("status"), !s.isEmpty {
            guard let status = RunStatus(rawValue: s) else { throw BadPageRequest(what: "no run status `\(s)`") }
            query.filter.status = status
        }
        if let t = q.get("trigger"), !t.isEmpty {
            guard let trigger = TriggerMatch(t) else {
                throw BadPageRequest(what: "a trigger is manual, schedule, backfill or retry, optionally with :NAME (found `\(t)`)")
            }
            query.filter.trigger = trigger
        }
        if let d = q.get("date"), !d.isEmpty {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = context.time.timeZone
            let parts = d.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                  let end = calendar.date(byAdding: .day, value: 1, to: start) else {
                throw BadPageRequest(what: "a date is YYYY-MM-DD (found `\(d)`)")
            }
            query.filter.since = start
            query.filter.before = end
            query.day = d
        }
        if let after = q.get("after"), !after.isEmpty { query.filter.olderThan = after }
        if let l = q.get("limit").flatMap({ Int($0) }) { query.limit = min(max(l, 1), 500) }
        return query
    }

    func render(_ parameters: QueryParameters) async throws -> Response {
        let q = try query(parameters)
        let store = context.store.runs
        let runs = try await store.list(q.filter, limit: q.limit)
        var counted = q.filter
        counted.olderThan = nil
        let total = try await store.count(counted)
        let pipelines = try await store.knownNames(.pipeline)
        let time = context.time

        let rows = runs.map { r -> HTML in
            let counts = TaskState.allCases.compactMap { s in r.taskCounts[s].map { "\($0) \(s.rawValue.replacingOccurrences(of: "_", with: " "))" } }
            return """
            <tr><td><a href="\(href: WebPath("run", r.id))"><code>\(r.id)</code></a></td><td>\(r.pipeline)</td><td>\(Layout.badge(r.status.rawValue))</td>
            <td>\(r.trigger)</td><td>\(time.format(r.startedAt))</td><td>\(time.format(r.logicalTime))</td>
            <td class="num">\(Terminal.seconds(r.duration ?? (r.status == .running ? Date().timeIntervalSince(r.startedAt) : nil)))</td>
            <td class="muted">\(counts.joined(separator: ", "))</td></tr>
            """
        }
        let options = ([""] + pipelines.sorted()).map { p -> HTML in
            "<option value=\"\(p)\"\(HTML(trusted: p == q.filter.pipeline ? " selected" : ""))>\(p.isEmpty ? "any pipeline" : p)</option>"
        }
        let statuses = ([""] + RunStatus.allCases.map(\.rawValue)).map { s -> HTML in
            "<option value=\"\(s)\"\(HTML(trusted: s == q.filter.status?.rawValue ? " selected" : ""))>\(s.isEmpty ? "any status" : s)</option>"
        }
        let base: [(String, String?)] = [("pipeline", q.filter.pipeline), ("status", q.filter.status?.rawValue),
                                          ("trigger", q.filter.trigger?.description), ("date", q.day),
                                          ("limit", q.limit == Self.pageSize ? nil : String(q.limit))]
        var pager: [HTML] = []
        if q.filter.olderThan != nil { pager.append("<a href=\"\(href: WebPath(segments: [], query: base))\">« newest</a>") }
        if runs.count == q.limit, let last = runs.last {
            pager.append("<a rel=\"next\" href=\"\(href: WebPath(segments: [], query: base + [("after", last.id)]))\">older »</a>")
        }
        let active = runs.contains { $0.status == .running }
        let body: HTML = """
        <h1>Runs</h1>
        <form class="filters" method="get" action="/">
        <label>pipeline<select name="pipeline">\(options)</select></label>
        <label>status<select name="status">\(statuses)</select></label>
        <label>trigger<input name="trigger" placeholder="manual, schedule:nightly…" value="\(q.filter.trigger?.description)"></label>
        <label>day<input type="date" name="date" value="\(q.day)"></label>
        <button>Filter</button></form>
        <p class="muted">\(total) run(s) match; showing \(runs.count).</p>
        <table id="runs"><thead><tr><th>run</th><th>pipeline</th><th>status</th><th>trigger</th><th>started</th><th>logical time</th>
        <th class="num">took</th><th>tasks</th></tr></thead><tbody>\(rows)</tbody></table>
        <div class="pager">\(pager)</div>
        """
        return Layout.page("Runs", section: .runs, refresh: active ? 5 : nil, body)
    }
}
