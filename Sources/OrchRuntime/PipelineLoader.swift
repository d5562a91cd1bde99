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
        let spec = try PipelineParser.load(path: path)
        var diagnostics: [Diagnostic] = []
        let environment = KindEnvironment(pipelineDirectory: spec.directory, warehouse: nil)
        var nodes: [GraphNode] = []
        var owners: [TaskSpec] = []
        for task in spec.tasks {
            do {
                for unit in try KindRegistry.units(for: task, environment: environment) {
                    nodes.append(GraphNode(id: unit.id, after: unit.after, reads: unit.reads, writes: unit.writes,
                                           checks: unit.checks, isCheck: unit.isCheck, tags: unit.tags, location: unit.location))
                    owners.append(task)
                }
            } catch let error as SpecError {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        // `after: [models]` naming a sql_model task means all of its nodes.
        let groups = Dictionary(grouping: nodes.indices, by: { owners[$0].id })
        for i in nodes.indices {
            nodes[i].after = nodes[i].after.flatMap { dep -> [String] in
                if nodes.contains(where: { $0.id == dep }) { return [dep] }
                return (groups[dep] ?? []).map { nodes[$0].id }
            }
        }
        let graph = try TaskGraph(nodes: nodes)
        var tasks: [Int: TaskSpec] = [:]
        for (i, owner) in owners.enumerated() { tasks[i] = owner }
        return LoadedPipeline(spec: spec, graph: graph, tasks: tasks)
    }
}
