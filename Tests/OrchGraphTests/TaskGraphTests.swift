import Testing
import OrchSpec
@testable import OrchGraph

@Suite("Task graph: edges, cycles, selection, rendering")
struct TaskGraphTests {
    /// extract → stage (data) → model (after) → report; lint alone; tags on some.
    func sample() throws -> TaskGraph {
        try TaskGraph(nodes: [
            GraphNode(id: "extract", writes: ["raw.sales"], tags: ["ingest"]),
            GraphNode(id: "stage", reads: ["raw.sales"], writes: ["stg.sales"]),
            GraphNode(id: "model", after: ["stage"], tags: ["models"]),
            GraphNode(id: "report", after: ["model"], reads: ["stg.sales"]),
            GraphNode(id: "lint", tags: ["models"]),
        ].map { $0 })
    }

    func ids(_ g: TaskGraph, _ set: Set<Int>) -> [String] { set.map { g.nodes[$0].id }.sorted() }

    @Test("edges come from after: and from datasets")
    func edges() throws {
        let g = try sample()
        #expect(g.dependencies(of: "stage") == ["extract"])
        #expect(Set(g.dependencies(of: "report")) == ["model", "stage"])
        let upstream = g.upstream[g.index(of: "stage")!]
        #expect(upstream.first?.reason == .dataset("raw.sales"))
        #expect(g.layers().map { $0.map { g.nodes[$0].id } } == [["extract", "lint"], ["stage"], ["model"], ["report"]])
    }

    @Test("a cycle is reported as a path")
    func cycle() throws {
        do {
            _ = try TaskGraph(nodes: [
                GraphNode(id: "a", after: ["c"]),
                GraphNode(id: "b", after: ["a"]),
                GraphNode(id: "c", after: ["b"]),
                GraphNode(id: "d"),
            ])
            Issue.record("expected a cycle")
        } catch let e as SpecError {
            let message = try #require(e.diagnostics.first?.message)
            #expect(message.contains("a → b → c → a") || message.contains("b → c → a → b") || message.contains("c → a → b → c"),
                    "\(message)")
        }
    }

    @Test("a cycle through a dataset is found too")
    func dataCycle() throws {
        #expect(throws: SpecError.self) {
            try TaskGraph(nodes: [GraphNode(id: "a", reads: ["x"], writes: ["y"]), GraphNode(id: "b", reads: ["y"], writes: ["x"])])
        }
    }

    @Test("a node listing itself in after: is the cycle a → a, at its place")
    func selfLoop() throws {
        let here = SourceLocation(file: "p.yml", line: 3, column: 5)
        do {
            _ = try TaskGraph(nodes: [GraphNode(id: "x"), GraphNode(id: "a", after: ["x", "a"], location: here)])
            Issue.record("expected a cycle")
        } catch let e as SpecError {
            let d = try #require(e.diagnostics.first)
            #expect(d.message == "dependency cycle: a → a", "\(d.message)")
            #expect(d.location == here)
        }
    }

    @Test("a very long chain is checked for cycles without deep recursion")
    func longChain() throws {
        let count = 100_000
        let chain = (0..<count).map { GraphNode(id: "n\($0)", after: $0 == 0 ? [] : ["n\($0 - 1)"]) }
        #expect(try TaskGraph(nodes: chain).nodes.count == count)
        var cyclic = chain
        cyclic[0].after = ["n\(count - 1)"]
        #expect(throws: SpecError.self) { try TaskGraph(nodes: cyclic) }
    }

    @Test("a task reading what it writes does not depend on itself")
    func selfRead() throws {
        let g = try TaskGraph(nodes: [GraphNode(id: "inc", reads: ["t"], writes: ["t"])])
        #expect(g.dependencies(of: "inc").isEmpty)
    }

    @Test("selection", arguments: [
        (["stage"], [String](), ["stage"]),
        (["stage+"], [], ["model", "report", "stage"]),
        (["+stage"], [], ["extract", "stage"]),
        (["+model+"], [], ["extract", "model", "report", "stage"]),
        (["tag:models"], [], ["lint", "model"]),
        (["extract", "lint"], [], ["extract", "lint"]),
        (["extract,lint"], [], ["extract", "lint"]),
        ([], ["tag:models"], ["extract", "report", "stage"]),
        (["stage+"], ["report"], ["model", "stage"]),
    ])
    func selection(select: [String], exclude: [String], expected: [String]) throws {
        let g = try sample()
        #expect(ids(g, try g.select(select, exclude: exclude)) == expected)
    }

    @Test("an unknown name in a selection suggests the nearest")
    func badSelection() throws {
        let g = try sample()
        #expect(throws: SelectionError.self) { try g.select(["stge"]) }
        do { _ = try g.select(["stge"]) } catch let e as SelectionError { #expect(e.description.contains("`stage`")) }
        #expect(throws: SelectionError.self) { try g.select(["tag:none"]) }
    }

    /// A sql_model task `models` expanded: two models, a test of each (one also
    /// reading the other, as `relationships` does), all after `extract`.
    func models() throws -> TaskGraph {
        try TaskGraph(nodes: [
            GraphNode(id: "extract", writes: ["raw.sales"], group: "extract"),
            GraphNode(id: "stg", after: ["extract"], reads: ["raw.sales"], writes: ["s.stg"], tags: ["models", "model"], group: "models"),
            GraphNode(id: "fct", after: ["extract"], reads: ["s.stg"], writes: ["a.fct"], tags: ["models", "model"], group: "models"),
            GraphNode(id: "not_null_stg", after: ["extract"], reads: ["s.stg"], checks: ["s.stg"], tags: ["models", "test"], group: "models"),
            GraphNode(id: "rel_fct_stg", after: ["extract"], reads: ["a.fct", "s.stg"], checks: ["a.fct"], tags: ["models", "test"], group: "models"),
            GraphNode(id: "report", reads: ["a.fct"], group: "report"),
        ])
    }

    @Test("selecting a model brings the tests of what it writes (dbt build -s); --exclude tag:test and --no-tests opt out", arguments: [
        (Selection(select: ["fct"]), ["fct", "rel_fct_stg"]),
        (Selection(select: ["stg"]), ["not_null_stg", "rel_fct_stg", "stg"]),
        (Selection(select: ["fct"], exclude: ["tag:test"]), ["fct"]),
        (Selection(select: ["fct"], tests: false), ["fct"]),
        (Selection(select: ["extract"]), ["extract"]),
        (Selection(select: ["not_null_stg"]), ["not_null_stg"]),
        (Selection(select: ["not_null_stg"], tests: false), []),
        (Selection(select: ["fct+"]), ["fct", "rel_fct_stg", "report"]),
        (Selection(tests: false), ["extract", "fct", "report", "stg"]),
        (Selection(select: ["models"]), ["fct", "not_null_stg", "rel_fct_stg", "stg"]),
        (Selection(select: ["models"], tests: false), ["fct", "stg"]),
        (Selection(select: ["+models"]), ["extract", "fct", "not_null_stg", "rel_fct_stg", "stg"]),
        (Selection(select: ["models+"], exclude: ["tag:test"]), ["fct", "report", "stg"]),
    ])
    func testsComeAlong(selection: Selection, expected: [String]) throws {
        let g = try models()
        #expect(ids(g, try g.matching(selection)) == expected)
        if !expected.isEmpty { #expect(ids(g, try g.select(selection)) == expected) }
    }

    @Test("a selection of nothing is an error: --select '', or everything excluded; matching() lets another pipeline's name match nothing")
    func emptySelections() throws {
        let g = try models()
        for selection in [Selection(select: [""]), Selection(select: [" , "]), Selection(select: ["fct"], exclude: ["fct", "rel_fct_stg"]),
                          Selection(select: ["not_null_stg"], tests: false)] {
            #expect(throws: SelectionError.self, "\(selection)") { try g.select(selection) }
        }
        do { _ = try g.select([""]) } catch let e as SelectionError { #expect(e.description.contains("names no task"), "\(e)") }
        do { _ = try g.select(["modls"]) } catch let e as SelectionError { #expect(e.description.contains("did you mean `models`?"), "\(e)") }
        #expect(try g.matching(Selection(select: ["elsewhere", "tag:nowhere"])).isEmpty)
        #expect(throws: SelectionError.self) { try g.matching(Selection(select: ["tag:"])) }
    }

    @Test("renderings name every node and edge")
    func rendering() throws {
        let g = try sample()
        let dot = g.render(.dot, title: "demo")
        #expect(dot.contains("\"extract\" -> \"stage\" [label=\"raw.sales\", style=dashed];"))
        #expect(dot.contains("\"model\" -> \"report\";"))
        let mermaid = g.render(.mermaid, title: "demo")
        #expect(mermaid.hasPrefix("flowchart LR"))
        #expect(mermaid.contains("-.->|raw.sales|"))
        let text = g.render(.text, title: "demo")
        #expect(text.contains("report  ← stage (stg.sales), model") || text.contains("report  ← model, stage (stg.sales)"))
    }
}
