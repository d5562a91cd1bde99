import Foundation
import OrchGraph
import OrchSpec
import OrchTasks

/// A pipeline read, checked and resolved into its graph: the product of
/// `orch validate`, and the start of every run.
public struct LoadedPipeline: Sendable {
    public var spec: PipelineSpec
    public var graph: TaskGraph
    /// The YAML task each graph node comes from (a sql_model task gives many nodes).
    public var tasks: [Int: TaskSpec]
}

public enum PipelineLoader {
    /// Parses `path`, checks every task's kind fields (templates unrendered,
    /// no database), expands tasks into their nodes (models, tests) and
    /// builds the graph (missing tasks, cycles).
    /// - Throws: `SpecError` with every problem found, each with file:line:col.
    public static func load(path: String) throws -> LoadedPipeline {
        // Every stage runs even when an earlier one found problems, so that a
        // bad kind, a bad key inside a kind and a cycle are reported together.
        let (spec, parseProblems) = try PipelineParser.loadReportingAll(path: path)
        var diagnostics = parseProblems
        let environment = KindEnvironment(pipelineDirectory: spec.directory, warehouse: nil)
        var nodes: [GraphNode] = []
        var owners: [TaskSpec] = []
        for task in spec.tasks {
            do {
                for unit in try KindRegistry.units(for: task, environment: environment) {
                    nodes.append(GraphNode(id: unit.id, after: unit.after, reads: unit.reads, writes: unit.writes,
                                           checks: unit.checks, isCheck: unit.isCheck, tags: unit.tags, location: unit.location,
                                           group: task.id))
                    owners.append(task)
                }
            } catch let error as SpecError {
                diagnostics += error.diagnostics
                // Stands in for the task's nodes so the graph check still sees its edges.
                nodes.append(GraphNode(id: task.id, after: task.after, reads: task.reads, writes: task.writes,
                                       tags: task.tags, location: task.location, group: task.id))
                owners.append(task)
            }
        }
        // `after: [models]` naming a sql_model task means all of its nodes.
        let groups = Dictionary(grouping: nodes.indices, by: { owners[$0].id })
        let ids = Set(nodes.map(\.id))
        for i in nodes.indices {
            nodes[i].after = nodes[i].after.flatMap { dep -> [String] in
                if ids.contains(dep) { return [dep] }
                return (groups[dep] ?? []).map { nodes[$0].id }
            }
        }
        if diagnostics.isEmpty {
            let graph = try TaskGraph(nodes: nodes)
            var tasks: [Int: TaskSpec] = [:]
            for (i, owner) in owners.enumerated() { tasks[i] = owner }
            return LoadedPipeline(spec: spec, graph: graph, tasks: tasks)
        }
        // With problems already found, the graph is checked only for what the
        // parser cannot see (cycles through several tasks, clashing model
        // names); what it already reported (missing or self `after:`,
        // duplicate ids) is left out rather than said twice.
        var seen = Set<String>()
        let checkable = nodes.filter { seen.insert($0.id).inserted }.map { node -> GraphNode in
            var node = node
            node.after = node.after.filter { $0 != node.id && ids.contains($0) }
            return node
        }
        do { _ = try TaskGraph(nodes: checkable) } catch let error as SpecError { diagnostics += error.diagnostics }
        throw SpecError(diagnostics)
    }
}
