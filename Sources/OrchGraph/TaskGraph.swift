import OrchSpec

/// One node of the DAG: a task, or a unit a task expands into (a model).
public struct GraphNode: Sendable, Hashable {
    public var id: String
    /// Explicit `after:` dependencies.
    public var after: [String]
    public var reads: [String]
    public var writes: [String]
    /// Datasets this node vouches for (a data test of severity error): every
    /// other reader of such a dataset waits for it, as `dbt build` does.
    public var checks: [String]
    /// A data test itself: it waits for the datasets' writers, never for other tests.
    public var isCheck: Bool
    public var tags: [String]
    public var location: SourceLocation?
    /// The YAML task this node comes from (a sql_model task gives one node per
    /// model and test): selecting the task's id selects all of its nodes.
    public var group: String?

    public init(id: String, after: [String] = [], reads: [String] = [], writes: [String] = [], checks: [String] = [],
                isCheck: Bool = false, tags: [String] = [], location: SourceLocation? = nil, group: String? = nil) {
        self.id = id
        self.after = after
        self.reads = reads
        self.writes = writes
        self.checks = checks
        self.isCheck = isCheck || !checks.isEmpty
        self.tags = tags
        self.location = location
        self.group = group
    }
}

/// Why an edge exists: said explicitly, or implied by a dataset.
public enum EdgeReason: Sendable, Hashable {
    case after
    case dataset(String)
    /// Waits for a check (data test) of a dataset it reads.
    case check(String)
}

/// The dependency graph of a pipeline: edges from `after:` plus data (a task
/// that reads a dataset depends on every task that writes it). Immutable.
public struct TaskGraph: Sendable {
    public let nodes: [GraphNode]
    /// Node index → indices it depends on (upstream), with why.
    public let upstream: [[(index: Int, reason: EdgeReason)]]
    /// Node index → indices that depend on it (downstream).
    public let downstream: [[Int]]
    private let indexByID: [String: Int]

    /// Builds the graph and checks it.
    /// - Throws: `SpecError` naming a missing dependency or the cycle (`a → b → a`).
    public init(nodes: [GraphNode]) throws {
        var indexByID: [String: Int] = [:]
        var diagnostics: [Diagnostic] = []
        for (i, node) in nodes.enumerated() {
            if indexByID[node.id] != nil {
                diagnostics.append(Diagnostic("duplicate node `\(node.id)`", at: node.location,
                                              hint: "ids must be unique across tasks and the models they expand into"))
            }
            indexByID[node.id] = i
        }
        var writers: [String: [Int]] = [:]
        var checkers: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            for dataset in node.writes { writers[dataset, default: []].append(i) }
            for dataset in node.checks { checkers[dataset, default: []].append(i) }
        }
        var upstream = [[(index: Int, reason: EdgeReason)]](repeating: [], count: nodes.count)
        var downstream = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() {
            var seen = Set<Int>()
            // Self-edges are never added: one implied by data (a task reading
            // what it writes, i.e. incremental) is no dependency, and an
            // explicit `after:` on itself is reported as a cycle below.
            func add(_ j: Int, _ reason: EdgeReason) {
                guard j != i, seen.insert(j).inserted else { return }
                upstream[i].append((j, reason))
                downstream[j].append(i)
            }
            for dep in node.after {
                if indexByID[dep] == i {
                    diagnostics.append(Self.selfLoop(node))
                } else if let j = indexByID[dep] { add(j, .after) } else {
                    diagnostics.append(Diagnostic("`\(node.id)` runs after `\(dep)`, which does not exist",
                                                  at: node.location,
                                                  hint: KeySuggestion.nearest(to: dep, among: nodes.map(\.id))
                                                      .map { "did you mean `\($0)`?" }))
                }
            }
            for dataset in node.reads {
                for j in writers[dataset] ?? [] { add(j, .dataset(dataset)) }
                // Checks wait only for writers; everyone else also waits for the checks.
                if !node.isCheck {
                    for j in checkers[dataset] ?? [] where !nodes[j].reads.contains(where: { node.writes.contains($0) }) {
                        add(j, .check(dataset))
                    }
                }
            }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        self.nodes = nodes
        self.upstream = upstream
        self.downstream = downstream
        self.indexByID = indexByID
        if let cycle = findCycle() {
            let path = (cycle + [cycle[0]]).map { nodes[$0].id }.joined(separator: " → ")
            throw SpecError(Diagnostic("dependency cycle: \(path)", at: nodes[cycle[0]].location,
                                       hint: "remove one of these edges (an `after:` or a read of a dataset written downstream)"))
        }
    }

    /// `after:` naming the node itself: the shortest cycle, worded like the others.
    static func selfLoop(_ node: GraphNode) -> Diagnostic {
        Diagnostic("dependency cycle: \(node.id) → \(node.id)", at: node.location,
                   hint: "a task cannot run after itself; remove `\(node.id)` from its `after:`")
    }

    public func index(of id: String) -> Int? { indexByID[id] }

    public subscript(id: String) -> GraphNode? { indexByID[id].map { nodes[$0] } }

    /// The ids `id` depends on directly.
    public func dependencies(of id: String) -> [String] {
        guard let i = indexByID[id] else { return [] }
        return upstream[i].map { nodes[$0.index].id }
    }

    /// Finds one cycle as a list of node indices in dependency order, if any.
    /// Depth first with an explicit stack: a chain of many thousand nodes
    /// (models expand without bound) must not overflow the thread's stack.
    private func findCycle() -> [Int]? {
        enum Mark { case unvisited, active, done }
        var marks = [Mark](repeating: .unvisited, count: nodes.count)
        // The active path, each node with the position of its next edge to follow.
        var path: [(node: Int, edge: Int)] = []
        for root in nodes.indices where marks[root] == .unvisited {
            marks[root] = .active
            path.append((root, 0))
            while let (i, edge) = path.last {
                // Follow edges downstream so the printed cycle reads in run order.
                guard edge < downstream[i].count else {
                    marks[i] = .done
                    path.removeLast()
                    continue
                }
                path[path.count - 1].edge += 1
                let j = downstream[i][edge]
                switch marks[j] {
                case .active:
                    guard let start = path.firstIndex(where: { $0.node == j }) else { return [j] }
                    return path[start...].map(\.node)
                case .unvisited:
                    marks[j] = .active
                    path.append((j, 0))
                case .done:
                    break
                }
            }
        }
        return nil
    }

    /// Nodes in layers: every node's dependencies are in earlier layers.
    public func layers(of subset: Set<Int>? = nil) -> [[Int]] {
        let members = subset ?? Set(nodes.indices)
        var remaining = members.reduce(into: [Int: Int]()) { counts, i in
            counts[i] = upstream[i].filter { members.contains($0.index) }.count
        }
        var layers: [[Int]] = []
        var current = remaining.filter { $0.value == 0 }.map(\.key).sorted()
        while !current.isEmpty {
            layers.append(current)
            for i in current { remaining[i] = nil }
            var next: [Int] = []
            for i in current {
                for j in downstream[i] where remaining[j] != nil {
                    remaining[j]! -= 1
                    if remaining[j] == 0 { next.append(j) }
                }
            }
            current = next.sorted()
        }
        return layers
    }

    /// All indices reachable upstream (`up`) or downstream from `start`, excluding it.
    public func reachable(from start: Int, upstream up: Bool) -> Set<Int> {
        var seen = Set<Int>()
        var queue = [start]
        while let i = queue.popLast() {
            let next = up ? upstream[i].map(\.index) : downstream[i]
            for j in next where seen.insert(j).inserted { queue.append(j) }
        }
        return seen
    }
}
