import Foundation
import Hummingbird
import OrchRuntime
import OrchStore

/// `/segments`: the latest customer segmentation (a `train_segments`
/// task's recorded facts): segment sizes as bars, centroids in the
/// features' own units (days, orders, money), and what moved since the
/// training before it.
struct SegmentsPage {
    struct Segment: Decodable {
        var segment_id: Int
        var segment_name: String
        var size: Int
        var centroid: [String: Double]
    }

    static let features = ["recency_days", "frequency", "monetary", "avg_order_value"]
    let context: WebContext

    static func segments(_ s: StoredSegmentation) -> [Segment] {
        (try? JSONDecoder().decode([Segment].self, from: Data((s.facts["segments"] ?? "[]").utf8))) ?? []
    }

    func render() async throws -> Response {
        let trainings = try await context.store.runs.latestSegmentations(limit: 2)
        guard let latest = trainings.first else {
            return Layout.page("Segments", section: .segments,
                               "<h1>Segments</h1><p>No segmentation yet: run a pipeline with a train_segments task (the marketing pipeline's <code>segments</code>).</p>")
        }
        let now = Self.segments(latest), before = trainings.count > 1 ? Self.segments(trainings[1]) : []
        let previous = Dictionary(before.map { ($0.segment_name, $0) }, uniquingKeysWith: { a, _ in a })
        let total = max(now.map(\.size).reduce(0, +), 1)
        func delta(_ a: Double, _ b: Double?) -> HTML {
            guard let b else { return .empty }
            let d = a - b
            return abs(d) < 0.005 ? " <span class=\"muted\">(=)</span>" : " <span class=\"muted\">(\(String(format: "%+.2f", d)))</span>"
        }
        let rows = now.map { s -> HTML in
            let p = previous[s.segment_name]
            let sizeChange: HTML = p.map { " <span class=\"muted\">(\(String(format: "%+d", s.size - $0.size)))</span>" } ?? (before.isEmpty ? .empty : " <span class=\"muted\">(new)</span>")
            let cells = Self.features.map { f -> HTML in
                "<td class=\"num\">\(String(format: "%.2f", s.centroid[f] ?? 0))\(delta(s.centroid[f] ?? 0, p?.centroid[f]))</td>"
            }
            return "<tr><td>\(s.segment_id)</td><td><b>\(s.segment_name)</b></td><td class=\"num\">\(s.size)\(sizeChange)</td><td class=\"num\">\(String(format: "%.1f %%", Double(s.size) * 100 / Double(total)))</td>\(cells)</tr>"
        }
        let gone = before.filter { b in !now.contains { $0.segment_name == b.segment_name } }.map(\.segment_name)
        let facts = latest.facts, time = context.time
        let since: HTML = trainings.count > 1
            ? "Changes in brackets are against the training of \(time.format(trainings[1].finishedAt)) (run <a href=\"\(href: WebPath("run", trainings[1].runID))\"><code>\(trainings[1].runID)</code></a>)\(gone.isEmpty ? "" : "; segments gone since: " + gone.joined(separator: ", "))."
            : "This is the first training recorded: nothing to compare with."
        let body: HTML = """
        <h1>Segments</h1>
        <p>Trained \(time.format(latest.finishedAt)) by task <code>\(latest.taskID)</code> of run <a href="\(href: WebPath("run", latest.runID))"><code>\(latest.runID)</code></a>:
        k = \(facts["k"] ?? "?"), silhouette \(facts["silhouette"] ?? "?"), inertia \(facts["inertia"] ?? "?"), \(facts["n_init"] ?? "?") restarts, seed \(facts["seed"] ?? "?").</p>
        <h2>Sizes</h2>\(Charts.bars(now.map { Charts.Point(label: $0.segment_name, value: Double($0.size)) }))
        <h2>Centroids, in the features' own units</h2>
        <p class="muted">recency in days since the data's last day, frequency in orders, monetary and average order value in the sales currency. \(since)</p>
        <table id="segments"><thead><tr><th>id</th><th>segment</th><th class="num">customers</th><th class="num">share</th>
        <th class="num">recency (days)</th><th class="num">frequency (orders)</th><th class="num">monetary</th><th class="num">avg order value</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """
        return Layout.page("Segments", section: .segments, body)
    }
}
