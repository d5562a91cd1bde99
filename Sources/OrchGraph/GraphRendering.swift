/// Text, Graphviz and Mermaid views of a graph, for `orch graph`.
public enum GraphFormat: String, Sendable, CaseIterable {
    case text, dot, mermaid
}

extension TaskGraph {
    public func render(_ format: GraphFormat, title: String, subset: Set<Int>? = nil) -> String {
        let members = subset ?? Set(nodes.indices)
        let ordered = layers(of: members).flatMap { $0 }
        switch format {
        case .text:
            var lines: [String] = []
            for (n, layer) in layers(of: members).enumerated() {
                lines.append("layer \(n + 1):")
                for i in layer {
                    let deps = upstream[i].filter { members.contains($0.index) }.map { edge -> String in
                        switch edge.reason {
                        case .after: return nodes[edge.index].id
                        case let .dataset(d): return "\(nodes[edge.index].id) (\(d))"
                        case let .check(d): return "\(nodes[edge.index].id) (checks \(d))"
                        }
                    }
                    lines.append("  \(nodes[i].id)" + (deps.isEmpty ? "" : "  ← " + deps.joined(separator: ", ")))
                }
            }
            return lines.joined(separator: "\n")
        case .dot:
            var lines = ["digraph \"\(title)\" {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
            for i in ordered { lines.append("  \"\(nodes[i].id)\";") }
            for i in ordered {
                for edge in upstream[i] where members.contains(edge.index) {
                    var attrs = ""
                    if case let .dataset(d) = edge.reason { attrs = " [label=\"\(d)\", style=dashed]" }
                    if case .check = edge.reason { attrs = " [style=dotted]" }
                    lines.append("  \"\(nodes[edge.index].id)\" -> \"\(nodes[i].id)\"\(attrs);")
                }
            }
            lines.append("}")
            return lines.joined(separator: "\n")
        case .mermaid:
            var lines = ["flowchart LR"]
            func key(_ i: Int) -> String { "n\(i)" }
            for i in ordered { lines.append("  \(key(i))[\"\(nodes[i].id)\"]") }
            for i in ordered {
                for edge in upstream[i] where members.contains(edge.index) {
                    switch edge.reason {
                    case .after: lines.append("  \(key(edge.index)) --> \(key(i))")
                    case let .dataset(d): lines.append("  \(key(edge.index)) -.->|\(d)| \(key(i))")
                    case .check: lines.append("  \(key(edge.index)) -.- \(key(i))")
                    }
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
