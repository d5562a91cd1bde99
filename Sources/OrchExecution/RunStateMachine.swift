import OrchGraph

/// The states of a run's tasks and the rules between them, with no I/O:
/// the executor feeds it events and carries out what it returns.
public struct RunStateMachine: Sendable {
    public enum StopKind: Sendable { case cancelled, failFast }

    public private(set) var states: [Int: TaskState]
    private let graph: TaskGraph
    private let concurrency: Int
    private var running = 0
    private var order: [Int]
    public private(set) var stopKind: StopKind?

    /// - Parameters:
    ///   - selected: the nodes in this run; dependencies outside it count as satisfied.
    ///   - done: nodes already succeeded (a resumed run), never started again.
    public init(graph: TaskGraph, selected: Set<Int>, concurrency: Int, done: Set<Int> = []) {
        self.graph = graph
        self.concurrency = max(1, concurrency)
        var states: [Int: TaskState] = [:]
        for i in selected { states[i] = done.contains(i) ? .succeeded : .pending }
        self.states = states
        self.order = graph.layers(of: selected).flatMap { $0 }
    }

    public var isFinished: Bool { running == 0 && !states.values.contains { !$0.isFinal } }

    /// The pending nodes whose dependencies all succeeded, up to the free
    /// slots; they are marked running.
    public mutating func startReady() -> [Int] {
        guard stopKind == nil else { return [] }
        var started: [Int] = []
        for i in order where running < concurrency && states[i] == .pending {
            let ready = graph.upstream[i].allSatisfy { states[$0.index].map { $0 == .succeeded } ?? true }
            if ready {
                states[i] = .running
                running += 1
                started.append(i)
            }
        }
        return started
    }

    /// Records how a running node ended; returns the other nodes whose state
    /// changed as a result (downstream of a failure become `upstream_failed`).
    public mutating func finish(_ i: Int, as state: TaskState) -> [(index: Int, state: TaskState)] {
        precondition(state.isFinal, "finish needs a final state")
        if states[i] == .running { running -= 1 }
        states[i] = state
        guard state == .failed || state == .upstreamFailed else { return [] }
        var changed: [(index: Int, state: TaskState)] = []
        for j in graph.reachable(from: i, upstream: false).sorted() where states[j] == .pending {
            states[j] = .upstreamFailed
            changed.append((j, .upstreamFailed))
        }
        return changed
    }

    /// Stops the run: nothing new starts, pending nodes end as `cancelled`
    /// (a stop request) or `skipped` (fail-fast). Running nodes end when the
    /// executor reports them.
    public mutating func stop(_ kind: StopKind) -> [(index: Int, state: TaskState)] {
        guard stopKind == nil else { return [] }
        stopKind = kind
        let final: TaskState = kind == .cancelled ? .cancelled : .skipped
        var changed: [(index: Int, state: TaskState)] = []
        for i in order where states[i] == .pending {
            states[i] = final
            changed.append((i, final))
        }
        return changed
    }

    /// The run's status once every node is final.
    public var runStatus: RunStatus {
        if stopKind == .cancelled { return .cancelled }
        if states.values.allSatisfy({ $0 == .succeeded }) { return .succeeded }
        if states.values.contains(where: { $0 == .cancelled }) && !states.values.contains(where: { $0 == .failed }) {
            return .cancelled
        }
        return .failed
    }
}
