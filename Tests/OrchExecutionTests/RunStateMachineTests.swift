import Testing
import OrchGraph
@testable import OrchExecution

@Suite("Run state machine (no I/O)")
struct RunStateMachineTests {
    // a → b → c ; a → d ; e
    func graph() throws -> TaskGraph {
        try TaskGraph(nodes: [
            GraphNode(id: "a"), GraphNode(id: "b", after: ["a"]), GraphNode(id: "c", after: ["b"]),
            GraphNode(id: "d", after: ["a"]), GraphNode(id: "e"),
        ])
    }

    func name(_ g: TaskGraph, _ i: [Int]) -> [String] { i.map { g.nodes[$0].id } }

    @Test("starts ready nodes up to the concurrency bound, in graph order")
    func concurrencyBound() throws {
        let g = try graph()
        var m = RunStateMachine(graph: g, selected: Set(g.nodes.indices), concurrency: 1)
        #expect(name(g, m.startReady()) == ["a"])
        #expect(m.startReady().isEmpty)
        _ = m.finish(0, as: .succeeded)
        #expect(name(g, m.startReady()) == ["e"], "e is in the first layer, so it goes before b")
        _ = m.finish(4, as: .succeeded)
        #expect(name(g, m.startReady()) == ["b"])
    }

    @Test("a failure marks everything downstream upstream_failed; other branches go on")
    func failurePropagates() throws {
        let g = try graph()
        var m = RunStateMachine(graph: g, selected: Set(g.nodes.indices), concurrency: 4)
        #expect(name(g, m.startReady()) == ["a", "e"])
        let changed = m.finish(0, as: .failed)
        #expect(Set(name(g, changed.map(\.index))) == ["b", "c", "d"])
        #expect(changed.allSatisfy { $0.state == .upstreamFailed })
        #expect(!m.isFinished)
        _ = m.finish(4, as: .succeeded)
        #expect(m.isFinished)
        #expect(m.runStatus == .failed)
    }

    @Test("stop cancels pending nodes; fail-fast skips them")
    func stopping() throws {
        let g = try graph()
        var m = RunStateMachine(graph: g, selected: Set(g.nodes.indices), concurrency: 1)
        _ = m.startReady()
        let changed = m.stop(.cancelled)
        #expect(changed.count == 4)
        #expect(changed.allSatisfy { $0.state == .cancelled })
        #expect(m.startReady().isEmpty)
        #expect(!m.isFinished)
        _ = m.finish(0, as: .cancelled)
        #expect(m.isFinished)
        #expect(m.runStatus == .cancelled)

        var f = RunStateMachine(graph: g, selected: Set(g.nodes.indices), concurrency: 1)
        _ = f.startReady()
        _ = f.finish(0, as: .failed)
        #expect(f.stop(.failFast).allSatisfy { $0.state == .skipped })
        #expect(f.runStatus == .failed)
    }

    @Test("dependencies outside the selection count as satisfied; done nodes are not rerun")
    func selectionAndResume() throws {
        let g = try graph()
        var m = RunStateMachine(graph: g, selected: [2], concurrency: 2)
        #expect(name(g, m.startReady()) == ["c"])
        var r = RunStateMachine(graph: g, selected: Set(g.nodes.indices), concurrency: 5, done: [0, 1])
        #expect(Set(name(g, r.startReady())) == ["c", "d", "e"])
    }

    @Test("an empty selection finishes at once, succeeded")
    func empty() throws {
        let m = RunStateMachine(graph: try graph(), selected: [], concurrency: 2)
        #expect(m.isFinished)
        #expect(m.runStatus == .succeeded)
    }
}
