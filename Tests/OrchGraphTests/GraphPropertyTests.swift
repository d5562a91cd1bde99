import OrchSpec
import PropertyBased
import Testing
@testable import OrchGraph
import Foundation

/// Random graphs: acyclic ones layer every node after its dependencies;
/// one edge back makes a cycle, reported as a path that really is one.
@Suite("Task graph properties")
struct GraphPropertyTests {
    /// Up to 40 nodes; edges (by `after:` or a dataset) only from earlier to later nodes, so acyclic.
    static let dags = Generator(run: { rng -> [GraphNode] in
        let count = Int.random(in: 1...40, using: &rng)
        return (0..<count).map { i in
            var node = GraphNode(id: "n\(i)", writes: ["d\(i)"])
            for j in 0..<i where Int.random(in: 0..<6, using: &rng) == 0 {
                if Bool.random(using: &rng) { node.after.append("n\(j)") } else { node.reads.append("d\(j)") }
            }
            // Incremental: reading what it writes is no edge.
            if Int.random(in: 0..<5, using: &rng) == 0 { node.reads.append("d\(i)") }
            return node
        }
    })

    @Test("an acyclic graph builds, and its layers put every node after what it depends on")
    func layers() async {
        await propertyCheck(count: PropertyCases.count, input: Self.dags) { nodes in
            guard let graph = try? TaskGraph(nodes: nodes) else {
                Issue.record("an acyclic graph was refused")
                return
            }
            let layers = graph.layers()
            #expect(layers.flatMap { $0 }.sorted() == Array(nodes.indices))
            var layerOf: [Int: Int] = [:]
            for (n, layer) in layers.enumerated() { for i in layer { layerOf[i] = n } }
            for i in nodes.indices {
                for edge in graph.upstream[i] { #expect((layerOf[edge.index] ?? .max) < (layerOf[i] ?? .min)) }
            }
        }
    }

    @Test("one edge from a node back to one it reaches (or to itself) is a cycle along real edges")
    func cycles() async {
        await propertyCheck(count: PropertyCases.count, input: Self.dags, Gen.int(in: 0...Int.max)) { nodes, pick in
            guard let graph = try? TaskGraph(nodes: nodes) else { return }
            let from = pick % nodes.count
            let reached = graph.reachable(from: from, upstream: false).sorted()
            let to = reached.isEmpty ? from : reached[(pick / nodes.count) % reached.count]
            var cyclic = nodes
            cyclic[from].after.append(nodes[to].id)
            do {
                _ = try TaskGraph(nodes: cyclic)
                Issue.record("no cycle found after adding \(nodes[from].id) after \(nodes[to].id)")
            } catch let error as SpecError {
                let message = error.diagnostics.first?.message ?? ""
                #expect(message.hasPrefix("dependency cycle: "), "\(message)")
                let path = message.dropFirst("dependency cycle: ".count).components(separatedBy: " → ")
                #expect(path.count >= 2 && path.first == path.last, "\(message)")
            } catch {
                Issue.record("not a SpecError: \(error)")
            }
        }
    }
}
