import Testing
import OrchGraph
@testable import OrchExecution

/// The state machine does constant work per transition (counts of unmet
/// upstreams, a ready heap). It must decide exactly what the plain rule
/// decides: a node starts when every selected upstream succeeded, in graph
/// order, up to the concurrency bound. The plain rule is `Reference` (the
/// machine as it was: a scan of every node per event); random DAGs,
/// selections, outcomes and stops are run through both.
@Suite("Run state machine: constant-time bookkeeping = the plain rule")
struct RunStateMachinePropertyTests {
    struct Reference {
        var states: [Int: TaskState]
        let graph: TaskGraph
        let concurrency: Int
        var running = 0
        let order: [Int]
        var stopped = false

        init(graph: TaskGraph, selected: Set<Int>, concurrency: Int, done: Set<Int>) {
            self.graph = graph
            self.concurrency = max(1, concurrency)
            states = Dictionary(uniqueKeysWithValues: selected.map { ($0, done.contains($0) ? TaskState.succeeded : .pending) })
            order = graph.layers(of: selected).flatMap { $0 }
        }

        var isFinished: Bool { running == 0 && !states.values.contains { !$0.isFinal } }

        mutating func startReady() -> [Int] {
            guard !stopped else { return [] }
            var started: [Int] = []
            for i in order where running < concurrency && states[i] == .pending {
                if graph.upstream[i].allSatisfy({ states[$0.index].map { $0 == .succeeded } ?? true }) {
                    states[i] = .running
                    running += 1
                    started.append(i)
                }
            }
            return started
        }

        mutating func finish(_ i: Int, as state: TaskState) -> [Int] {
            if states[i] == .running { running -= 1 }
            states[i] = state
            guard state == .failed else { return [] }
            let changed = graph.reachable(from: i, upstream: false).sorted().filter { states[$0] == .pending }
            for j in changed { states[j] = .upstreamFailed }
            return changed
        }

        mutating func stop() -> [Int] {
            stopped = true
            let changed = order.filter { states[$0] == .pending }
            for j in changed { states[j] = .cancelled }
            return changed
        }
    }

    /// A small deterministic generator (SplitMix64): every case can be replayed from its seed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    @Test("random DAGs, selections, resumes, outcomes and stops: the same starts, changes and ends", arguments: 0..<300)
    func sameDecisions(seed: Int) throws {
        var g = Generator(state: UInt64(seed))
        let n = 1 + g.next(30)
        let nodes = (0..<n).map { i in
            GraphNode(id: "t\(i)", after: (0..<i).filter { _ in g.next(4) == 0 }.map { "t\($0)" })
        }
        let graph = try TaskGraph(nodes: nodes)
        let selected = Set((0..<n).filter { _ in g.next(5) != 0 })
        // A resumed run's succeeded nodes: only ones whose selected upstreams succeeded too.
        var done = Set<Int>()
        for i in graph.layers(of: selected).flatMap({ $0 }) where g.next(4) == 0
            && graph.upstream[i].allSatisfy({ !selected.contains($0.index) || done.contains($0.index) }) {
            done.insert(i)
        }
        let concurrency = 1 + g.next(4)
        var machine = RunStateMachine(graph: graph, selected: selected, concurrency: concurrency, done: done)
        var reference = Reference(graph: graph, selected: selected, concurrency: concurrency, done: done)
        var running: [Int] = []
        var steps = 0
        while !reference.isFinished {
            steps += 1
            #expect(steps < 10 * (n + 2), "no progress")
            if steps > 10 * (n + 2) { return }
            let started = machine.startReady()
            #expect(started == reference.startReady(), "seed \(seed)")
            running += started
            #expect(machine.isFinished == reference.isFinished)
            guard !running.isEmpty else { break }
            if g.next(25) == 0 {
                #expect(machine.stop(.cancelled).map(\.index) == reference.stop(), "seed \(seed)")
            }
            let i = running.remove(at: g.next(running.count))
            let outcome: TaskState = machine.stopKind != nil ? .cancelled : (g.next(5) == 0 ? .failed : .succeeded)
            #expect(machine.finish(i, as: outcome).map(\.index) == reference.finish(i, as: outcome), "seed \(seed)")
        }
        #expect(machine.isFinished && reference.isFinished, "seed \(seed)")
        #expect(machine.states == reference.states, "seed \(seed)")
    }
}
