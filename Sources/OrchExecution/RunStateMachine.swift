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
    // Constant work per transition, whatever the run's size: each node's
    // count of selected upstreams not yet succeeded, the nodes whose count
    // reached zero (by their place in `order`), and how many are not final.
    private var waitingOn: [Int: Int] = [:]
    private var rank: [Int: Int] = [:]
    private var ready = ReadyQueue()
    private var unfinished = 0

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
        for (position, i) in order.enumerated() { rank[i] = position }
        for i in order where states[i] == .pending {
            unfinished += 1
            let count = graph.upstream[i].count { states[$0.index].map { $0 != .succeeded } ?? false }
            waitingOn[i] = count
            if count == 0 { ready.push(i, rank: rank[i]!) }
        }
    }

    public var isFinished: Bool { running == 0 && unfinished == 0 }

    /// The pending nodes whose dependencies all succeeded, up to the free
    /// slots, in graph order; they are marked running.
    public mutating func startReady() -> [Int] {
        guard stopKind == nil else { return [] }
        var started: [Int] = []
        while running < concurrency, let i = ready.pop() {
            guard states[i] == .pending else { continue }
            states[i] = .running
            running += 1
            started.append(i)
        }
        return started
    }

    /// Records how a running node ended; returns the other nodes whose state
    /// changed as a result (downstream of a failure become `upstream_failed`).
    public mutating func finish(_ i: Int, as state: TaskState) -> [(index: Int, state: TaskState)] {
        precondition(state.isFinal, "finish needs a final state")
        switch states[i] {
        case .running?:
            running -= 1
            unfinished -= 1
        case .pending?:
            unfinished -= 1
        default:
            break
        }
        states[i] = state
        if state == .succeeded {
            for j in graph.downstream[i] where states[j] == .pending {
                waitingOn[j, default: 1] -= 1
                if waitingOn[j] == 0 { ready.push(j, rank: rank[j]!) }
            }
            return []
        }
        guard state == .failed || state == .upstreamFailed else { return [] }
        var changed: [(index: Int, state: TaskState)] = []
        for j in graph.reachable(from: i, upstream: false).sorted() where states[j] == .pending {
            states[j] = .upstreamFailed
            unfinished -= 1
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
            unfinished -= 1
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

/// Node indices by rank, lowest first (a binary heap).
private struct ReadyQueue: Sendable {
    private var heap: [(rank: Int, index: Int)] = []

    mutating func push(_ index: Int, rank: Int) {
        heap.append((rank, index))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].rank < heap[parent].rank else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].rank < heap[smallest].rank { smallest = left }
            if right < heap.count, heap[right].rank < heap[smallest].rank { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top.index
    }
}
