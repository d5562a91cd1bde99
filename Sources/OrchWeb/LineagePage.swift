import Foundation
import Hummingbird
import OrchExecution
import OrchRuntime
import OrchStore

/// `/lineage[?dataset=D]`: without a dataset, every dataset the lineage
/// knows; with one (`analytics.fct_sales`, or `fct_sales` when that is
/// unique), what it is made from and what is made from it, following each
/// dataset's latest production, as a graph (sources left, consumers right)
/// and a table of the run that last produced each. An unknown name is 404
/// with the nearest known one.
struct LineagePage {
    static let depth = 12
    let context: WebContext

    func render(dataset: String?) async throws -> Response {
        let runs = context.store.runs
        guard let asked = dataset.flatMap({ $0.isEmpty ? nil : $0 }) else {
            let names = try await runs.knownNames(.dataset).sorted()
            let items = names.map { n -> HTML in "<li><a href=\"\(href: WebPath(segments: ["lineage"], query: [("dataset", n)]))\"><code>\(n)</code></a></li>" }
            let body: HTML = names.isEmpty ? "<h1>Lineage</h1><p>No lineage is recorded yet: every successful task records what it read and wrote.</p>"
                : "<h1>Lineage</h1><p>\(names.count) dataset(s); pick one.</p><ul id=\"datasets\">\(items)</ul>"
            return Layout.page("Lineage", section: .lineage, body)
        }
        let name = try await runs.knownName(asked, .dataset)
        let up = try await runs.lineage(of: name, upstream: true, depth: Self.depth)
        let down = try await runs.lineage(of: name, upstream: false, depth: Self.depth)

        // One node per dataset; edges always point from what is read to what is written.
        var nodes: [LineageNode] = [], index: [String: Int] = [:], edges = Set<[Int]>()
        func add(_ n: LineageNode) -> Int {
            if let i = index[n.dataset] { return i }
            index[n.dataset] = nodes.count
            nodes.append(n)
            return nodes.count - 1
        }
        func walk(_ n: LineageNode, upstream: Bool) {
            let i = add(n)
            for child in n.children {
                let j = add(child)
                edges.insert(upstream ? [j, i] : [i, j])
                walk(child, upstream: upstream)
            }
        }
        walk(up, upstream: true)
        walk(down, upstream: false)
        let time = context.time
        let picture = DAGPicture(nodes: nodes.map { n in
            DAGPicture.Node(id: n.dataset, state: n.dataset == name ? "running" : (n.lastProducedAt == nil ? "pending" : "succeeded"),
                            note: n.lastProducedAt.map { "\(time.format($0).prefix(16)) · \(n.lastRunID.map { String($0.suffix(6)) } ?? "?")" } ?? "a source: never produced",
                            link: WebPath(segments: ["lineage"], query: [("dataset", n.dataset)]).text)
        }, edges: edges.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { ($0[0], $0[1]) })
        let rows = nodes.map { n -> HTML in
            """
            <tr><td><a href="\(href: WebPath(segments: ["lineage"], query: [("dataset", n.dataset)]))"><code>\(n.dataset)</code></a></td>
            <td>\(n.lastRunID.map { r -> HTML in "<a href=\"\(href: WebPath("run", r))\"><code>\(r)</code></a>" } ?? "never produced by a run")</td>
            <td>\(n.lastTaskID ?? "")</td><td>\(n.lastProducedAt.map { time.format($0) } ?? "-")</td></tr>
            """
        }
        let body: HTML = """
        <h1>Lineage of <code>\(name)</code></h1>
        <p class="muted">Left: what it is made from; right: what is made from it (each dataset as its latest production made it). \
        <a href="/lineage">every dataset</a></p>
        \(picture.svg)
        <h2>Each dataset's last production</h2>
        <table id="lineage"><thead><tr><th>dataset</th><th>last run</th><th>task</th><th>when</th></tr></thead><tbody>\(rows)</tbody></table>
        """
        return Layout.page("Lineage of \(name)", section: .lineage, body)
    }
}
