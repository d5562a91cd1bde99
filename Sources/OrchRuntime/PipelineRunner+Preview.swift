import Foundation
import OrchGraph
import OrchSpec

extension PipelineRunner {
    /// What `run` would do with a request: `orch run --dry-run`.
    public struct Preview: Sendable {
        public var loaded: LoadedPipeline
        /// The params the run would have (defaults with `--param` applied).
        public var params: [String: String]
        /// The selected nodes in a valid run order.
        public var order: [Int]
    }

    /// Checks `request` as `run` does before it starts (the pipeline, params,
    /// selection) and says what would run; nothing runs, nothing is recorded,
    /// no database is needed.
    /// - Throws: `SpecError` or `RunSetupError`, as `run` would.
    public func preview(_ request: RunRequest) throws -> Preview {
        let loaded = try PipelineLoader.load(path: request.pipelinePath)
        let params = try resolveParams(loaded.spec, overrides: request.params)
        let selected = try selection(request, in: loaded)
        return Preview(loaded: loaded, params: params, order: Array(loaded.graph.layers(of: selected).joined()))
    }

    /// The nodes `request` selects. - Throws: `RunSetupError` for a bad or empty selection.
    func selection(_ request: RunRequest, in loaded: LoadedPipeline) throws -> Set<Int> {
        do { return try loaded.graph.select(request.selection) } catch let error as SelectionError { throw RunSetupError(error.description) }
    }
}

extension PipelineRunner.Preview {
    /// `orch run --dry-run`'s output: the tasks in run order with their kinds.
    public var text: String {
        let spec = loaded.spec
        var lines = ["dry run of \(spec.name) (\(spec.file)): \(order.count) task(s) would run, in this order; nothing is run or recorded"]
        let width = order.map { loaded.graph.nodes[$0].id.count }.max() ?? 0
        for (n, i) in order.enumerated() {
            let id = loaded.graph.nodes[i].id
            lines.append("\(String(repeating: " ", count: max(0, 4 - String(n + 1).count)))\(n + 1)  \(id)\(String(repeating: " ", count: width - id.count))  \(loaded.kind(of: i))")
        }
        if !params.isEmpty {
            lines.append("params: " + params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}
