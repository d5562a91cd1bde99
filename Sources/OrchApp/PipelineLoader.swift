import Foundation
import OrchGraph
import OrchSpec
import OrchTasks

/// A pipeline read, checked and resolved into its graph: the product of
/// `orch validate`, and the start of every run.
public struct LoadedPipeline: Sendable {
    public var spec: PipelineSpec
    public var graph: TaskGraph
    /// Task spec per graph node index.
    public var tasks: [Int: TaskSpec]
}

public enum PipelineLoader {
    /// Parses `path`, checks every task's kind fields (templates unrendered,
    /// no database), and builds the graph (missing tasks, cycles).
    /// - Throws: `SpecError` with every problem found, each with file:line:col.
    public static func load(path: String) throws -> LoadedPipeline {
        let spec = try PipelineParser.load(path: path)
        var diagnostics: [Diagnostic] = []
        let environment = KindEnvironment(pipelineDirectory: spec.directory, warehouse: nil)
        for task in spec.tasks {
            do {
                _ = try KindRegistry.body(for: task, environment: environment)
            } catch let error as SpecError {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        let nodes = spec.tasks.map {
            GraphNode(id: $0.id, after: $0.after, reads: $0.reads, writes: $0.writes, tags: $0.tags, location: $0.location)
        }
        let graph = try TaskGraph(nodes: nodes)
        var tasks: [Int: TaskSpec] = [:]
        for task in spec.tasks { tasks[graph.index(of: task.id)!] = task }
        return LoadedPipeline(spec: spec, graph: graph, tasks: tasks)
    }
}
