import OrchGraph
import OrchSpec

/// A task ready to run: its body built by its kind, with retry and timeout settled.
public struct PlannedTask: Sendable {
    public var id: String
    public var body: any TaskBody
    public var retry: RetryPolicy
    public var timeout: Duration?
    /// The datasets the node reads and writes in the graph: the lineage of
    /// a successful attempt whose body reports none of its own.
    public var reads: [String]
    public var writes: [String]

    public init(id: String, body: any TaskBody, retry: RetryPolicy, timeout: Duration?, reads: [String] = [], writes: [String] = []) {
        self.id = id
        self.body = body
        self.retry = retry
        self.timeout = timeout
        self.reads = reads
        self.writes = writes
    }
}

/// What the executor runs: the graph, the chosen nodes, and a body for each.
public struct ExecutionPlan: Sendable {
    public var graph: TaskGraph
    public var selected: Set<Int>
    /// Keyed by graph node index.
    public var tasks: [Int: PlannedTask]
    /// Nodes that already succeeded in an earlier attempt of this run (`orch retry`).
    public var alreadySucceeded: Set<Int>
    /// Attempts already made per node in an earlier attempt of this run, so
    /// new attempts continue the numbering instead of overwriting logs.
    public var previousAttempts: [Int: Int]
    /// Secret values of this run, hidden in every event and log line orch writes.
    public var secrets: SecretMask = .none

    public init(graph: TaskGraph, selected: Set<Int>, tasks: [Int: PlannedTask],
                alreadySucceeded: Set<Int> = [], previousAttempts: [Int: Int] = [:]) {
        self.graph = graph
        self.selected = selected
        self.tasks = tasks
        self.alreadySucceeded = alreadySucceeded
        self.previousAttempts = previousAttempts
    }

    /// Selected node ids in a valid run order.
    public var orderedIDs: [String] {
        graph.layers(of: selected).flatMap { $0 }.map { graph.nodes[$0].id }
    }
}
