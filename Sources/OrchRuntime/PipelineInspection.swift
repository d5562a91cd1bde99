import Foundation
import OrchGraph
import OrchSpec
import OrchTasks

extension LoadedPipeline {
    /// What a node is: `model` or `test` for a sql_model task's nodes, else its task's kind.
    public func kind(of node: Int) -> String {
        guard let task = tasks[node] else { return "task" }
        guard task.kind == SQLModelTask.name else { return task.kind }
        return graph.nodes[node].isCheck ? "test" : "model"
    }
}

/// One node as `orch ls` lists it (dbt's `ls`).
public struct ListedNode: Sendable, Hashable, Codable {
    public var id: String
    public var kind: String
    public var tags: [String]
    /// The nodes it waits for (all of them, selected or not).
    public var dependsOn: [String]
    public var pipeline: String
    /// The YAML task it comes from (a sql_model task's id for its models and tests).
    public var task: String
    /// Those of `dependsOn` that are data tests (the tests of its upstream models), for the text table.
    public var testDependencies: Set<String> = []

    enum CodingKeys: String, CodingKey {
        case id, kind, tags, pipeline, task
        case dependsOn = "depends_on"
    }
}

public enum NodeListing {
    /// The nodes of `pipelines` chosen by `selection`, each pipeline's in run order.
    /// A name only some of the pipelines have matches nothing in the others.
    /// - Throws: `SpecError` for a pipeline that does not load; `RunSetupError`
    ///   when the selection is malformed or matches no node in any of them.
    public static func list(pipelines: [String], selection: Selection) throws -> [ListedNode] {
        var out: [ListedNode] = []
        var names: [String] = []
        for path in pipelines {
            let loaded = try PipelineLoader.load(path: path)
            let graph = loaded.graph
            names += graph.selectableNames
            let chosen: Set<Int>
            do { chosen = try graph.matching(selection) } catch let error as SelectionError { throw RunSetupError(error.description) }
            for i in graph.layers(of: chosen).joined() {
                var seen = Set<String>()
                let upstream = graph.upstream[i].map(\.index)
                out.append(ListedNode(id: graph.nodes[i].id, kind: loaded.kind(of: i), tags: graph.nodes[i].tags.filter { seen.insert($0).inserted },
                                      dependsOn: upstream.map { graph.nodes[$0].id }, pipeline: loaded.spec.name,
                                      task: loaded.tasks[i]?.id ?? graph.nodes[i].id,
                                      testDependencies: Set(upstream.filter { graph.nodes[$0].isCheck }.map { graph.nodes[$0].id })))
            }
        }
        if out.isEmpty && pipelines.count > 0 {
            // Said as `orch run` says it: the strict reading names the term and the nearest name.
            let unknown = ((try? Selector.parseAll(selection.select + selection.exclude)) ?? []).compactMap { selector -> String? in
                guard case let .node(name) = selector.target, !names.contains(name) else { return nil }
                return KeySuggestion.nearest(to: name, among: names).map { "`\(name)`: did you mean `\($0)`?" } ?? "`\(name)` matches no task"
            }
            throw RunSetupError("the selection matches no node in \(pipelines.joined(separator: ", "))"
                                + (unknown.isEmpty ? "" : " (\(unknown.joined(separator: "; ")))"))
        }
        return out
    }
}

/// `orch compile`: writes the compiled SQL of a pipeline's models and tests
/// to `<ORCH_HOME>/<pipeline>/compiled/<node>.sql`, running nothing.
public struct PipelineCompilation: Sendable {
    public var pipeline: String
    public var directory: String
    /// Each written node and its file, in run order.
    public var files: [(node: String, path: String)]

    /// - Throws: `SpecError` (the pipeline or a model does not compile), `RunSetupError` (the selection).
    public static func compile(path: String, selection: Selection, home: String, incremental: Bool) throws -> PipelineCompilation {
        let loaded = try PipelineLoader.load(path: path)
        let chosen: Set<Int>
        do { chosen = try loaded.graph.select(selection) } catch let error as SelectionError { throw RunSetupError(error.description) }
        let environment = KindEnvironment(pipelineDirectory: loaded.spec.directory, warehouse: nil)
        var compiled: [String: String] = [:]
        var diagnostics: [Diagnostic] = []
        for task in loaded.spec.tasks where task.kind == SQLModelTask.name {
            do {
                for node in try ModelCompiler.compile(task, environment: environment, incremental: incremental) { compiled[node.node] = node.sql }
            } catch let error as SpecError { diagnostics += error.diagnostics }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        let directory = URL(fileURLWithPath: home).appendingPathComponent(loaded.spec.name).appendingPathComponent("compiled").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [(node: String, path: String)] = []
        for i in loaded.graph.layers(of: chosen).joined() {
            let id = loaded.graph.nodes[i].id
            guard let sql = compiled[id] else { continue }
            let file = "\(directory)/\(id).sql"
            try (sql + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            files.append((id, file))
        }
        return PipelineCompilation(pipeline: loaded.spec.name, directory: directory, files: files)
    }
}
