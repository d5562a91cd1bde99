import Foundation

/// A DAG drawn left to right as inline SVG: nodes in columns by longest
/// path from a source (every edge points right), each column ordered by the
/// mean row of its upstream nodes (two sweeps of the barycenter heuristic,
/// which keeps crossings few), edges as curves. Deterministic, no Graphviz:
/// the same run draws the same picture, and a 200-node DAG stays readable
/// because columns scroll rather than shrink.
struct DAGPicture {
    struct Node {
        var id: String
        /// The CSS state class (`succeeded`, `failed`, `retried`…).
        var state: String
        /// A second line (attempts, duration).
        var note: String?
        var link: String
        /// Some of the data tests folded into this node failed: drawn with a red outline.
        var testsFailed = false
    }

    var nodes: [Node]
    /// (upstream, downstream) indices into `nodes`.
    var edges: [(from: Int, to: Int)]
    /// The ids of nodes folded away by `simplified`.
    var folded: Set<String> = []

    /// The picture without the `hidden` nodes (data tests, by default): an
    /// edge through hidden nodes becomes a direct edge, and each kept node
    /// notes how many hidden ones hung off it and how many of those failed.
    /// Then edges implied by longer paths are dropped (a transitive
    /// reduction), so a task after everything draws a few lines, not hundreds.
    func simplified(hiding hidden: Set<Int>, failed: Set<Int>) -> DAGPicture {
        var up = Array(repeating: [Int](), count: nodes.count)
        for e in edges where e.from != e.to { up[e.to].append(e.from) }
        var keptUpstream: [Int: Set<Int>] = [:]
        func kept(_ i: Int, _ depth: Int = 0) -> Set<Int> {
            if let known = keptUpstream[i] { return known }
            var result = Set<Int>()
            for u in up[i] where depth < 10_000 {
                if hidden.contains(u) { result.formUnion(kept(u, depth + 1)) } else { result.insert(u) }
            }
            keptUpstream[i] = result
            return result
        }
        let keep = nodes.indices.filter { !hidden.contains($0) }
        let newIndex = Dictionary(uniqueKeysWithValues: keep.enumerated().map { ($1, $0) })
        var counts = [Int: (all: Int, failed: Int)]()
        for h in hidden {
            for owner in kept(h) {
                counts[owner, default: (0, 0)].all += 1
                if failed.contains(h) { counts[owner, default: (0, 0)].failed += 1 }
            }
        }
        var picture = DAGPicture(nodes: keep.map { i in
            var n = nodes[i]
            if let c = counts[i] {
                n.note = (n.note ?? n.state) + (c.failed > 0 ? " · \(c.failed)/\(c.all) tests failed" : " · \(c.all) tests")
                if c.failed > 0 { n.testsFailed = true }
            }
            return n
        }, edges: [], folded: Set(hidden.map { nodes[$0].id }))
        var direct = Set<[Int]>()
        for i in keep { for u in kept(i) { direct.insert([newIndex[u]!, newIndex[i]!]) } }
        picture.edges = direct.map { ($0[0], $0[1]) }.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        return picture.reduced()
    }

    /// Drops each edge u→v where u is already an ancestor of another upstream node of v (up to 3,000 nodes: beyond, as it is).
    func reduced() -> DAGPicture {
        guard nodes.count <= 3000 else { return self }
        var up = Array(repeating: [Int](), count: nodes.count), down = Array(repeating: [Int](), count: nodes.count)
        var incoming = Array(repeating: 0, count: nodes.count)
        for e in edges where e.from != e.to {
            up[e.to].append(e.from)
            down[e.from].append(e.to)
            incoming[e.to] += 1
        }
        let words = (nodes.count + 63) / 64
        var ancestors = Array(repeating: [UInt64](repeating: 0, count: words), count: nodes.count)
        var ready = nodes.indices.filter { incoming[$0] == 0 }, order: [Int] = []
        while let i = ready.popLast() {
            order.append(i)
            for j in down[i] {
                incoming[j] -= 1
                if incoming[j] == 0 { ready.append(j) }
            }
        }
        guard order.count == nodes.count else { return self }
        for v in order {
            for u in up[v] {
                ancestors[v][u / 64] |= 1 << UInt64(u % 64)
                for w in 0..<words { ancestors[v][w] |= ancestors[u][w] }
            }
        }
        var copy = self
        copy.edges = edges.filter { e in
            !up[e.to].contains { w in w != e.from && ancestors[w][e.from / 64] & (1 << UInt64(e.from % 64)) != 0 }
        }
        return copy
    }

    static let boxWidth = 168.0, boxHeight = 30.0, columnGap = 56.0, rowGap = 10.0, margin = 8.0

    /// Column of each node: the longest path to it from a source.
    func columns() -> [Int] {
        var column = Array(repeating: 0, count: nodes.count)
        var incoming = Array(repeating: 0, count: nodes.count)
        var out = Array(repeating: [Int](), count: nodes.count)
        for e in edges where e.from != e.to {
            incoming[e.to] += 1
            out[e.from].append(e.to)
        }
        var ready = nodes.indices.filter { incoming[$0] == 0 }
        while let i = ready.popLast() {
            for j in out[i] {
                column[j] = max(column[j], column[i] + 1)
                incoming[j] -= 1
                if incoming[j] == 0 { ready.append(j) }
            }
        }
        // A cycle cannot come from a validated pipeline; were there one, its nodes would stay where they got to.
        return column
    }

    /// Rows within each column, after ordering by the barycenter of neighbours.
    func layout() -> (column: [Int], row: [Int]) {
        let column = columns()
        let count = (column.max() ?? -1) + 1
        var layers = Array(repeating: [Int](), count: count)
        for i in nodes.indices { layers[column[i]].append(i) }
        var row = Array(repeating: 0, count: nodes.count)
        for layer in layers { for (r, i) in layer.enumerated() { row[i] = r } }
        var up = Array(repeating: [Int](), count: nodes.count), down = Array(repeating: [Int](), count: nodes.count)
        for e in edges where e.from != e.to {
            up[e.to].append(e.from)
            down[e.from].append(e.to)
        }
        func order(_ layer: [Int], by neighbours: [[Int]]) -> [Int] {
            layer.enumerated().map { position, i -> (Double, Int, Int) in
                let n = neighbours[i]
                return (n.isEmpty ? Double(row[i]) : Double(n.map { row[$0] }.reduce(0, +)) / Double(n.count), position, i)
            }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        }
        for sweep in 0..<4 {
            let forward = sweep % 2 == 0
            for c in (forward ? Array(1..<max(count, 1)) : Array((0..<max(count - 1, 0)).reversed())) where c < count {
                layers[c] = order(layers[c], by: forward ? up : down)
                for (r, i) in layers[c].enumerated() { row[i] = r }
            }
        }
        return (column, row)
    }

    var svg: HTML {
        guard !nodes.isEmpty else { return "<p class=\"muted\">No tasks.</p>" }
        let (column, row) = layout()
        let w = Self.boxWidth, h = Self.boxHeight
        func x(_ i: Int) -> Double { Self.margin + Double(column[i]) * (w + Self.columnGap) }
        func y(_ i: Int) -> Double { Self.margin + Double(row[i]) * (h + Self.rowGap) }
        let width = Self.margin * 2 + Double((column.max() ?? 0) + 1) * (w + Self.columnGap) - Self.columnGap
        let height = Self.margin * 2 + Double((row.max() ?? 0) + 1) * (h + Self.rowGap) - Self.rowGap
        let paths = edges.filter { $0.from != $0.to }.map { e -> HTML in
            let (x1, y1, x2, y2) = (x(e.from) + w, y(e.from) + h / 2, x(e.to), y(e.to) + h / 2)
            let bend = max((x2 - x1) / 2, 20)
            return "<path d=\"M\(x1),\(y1) C\(x1 + bend),\(y1) \(x2 - bend),\(y2) \(x2),\(y2)\"/>"
        }
        let boxes = nodes.indices.map { i -> HTML in
            let n = nodes[i]
            let label = n.id.count > 24 ? String(n.id.prefix(23)) + "…" : n.id
            return """
            <a href="\(n.link)" class="node"><g class="n-\(n.state)\(n.testsFailed ? " tests-failed" : "")"><title>\(n.id): \(n.state)\(n.note.map { ", " + $0 })</title>\
            <rect x="\(x(i))" y="\(y(i))" width="\(w)" height="\(h)" rx="5"/>\
            <text x="\(x(i) + 8)" y="\(y(i) + 13)">\(label)</text>\
            <text class="note" x="\(x(i) + 8)" y="\(y(i) + 25)">\(n.note ?? n.state)</text></g></a>
            """
        }
        return """
        <div class="scroll"><svg class="dag" xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
        <style>.dag path{fill:none;stroke:#90a4ae;stroke-width:1.2}.dag rect{stroke:#37474f;stroke-width:1}.dag text{fill:#fff}.dag text.note{font-size:9px;opacity:.9}
        .n-succeeded rect{fill:#2e7d32}.n-failed rect{fill:#c62828}.n-upstream_failed rect{fill:#ef6c00}.n-running rect{fill:#1565c0}
        .n-retried rect{fill:#8e24aa}.n-skipped rect,.n-cancelled rect{fill:#9e9e9e}.n-pending rect{fill:#cfd8dc}.n-pending text{fill:#37474f}
        .node:hover rect{stroke-width:3}.tests-failed rect{stroke:#ff1744;stroke-width:3}</style>
        \(paths)\(boxes)</svg></div>
        """
    }
}
