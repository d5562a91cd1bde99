import ArgumentParser
import OrchRuntime
import OrchGraph
import OrchSpec

extension GraphFormat: ExpressibleByArgument {}

struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a pipeline's task graph as text layers, Graphviz dot or Mermaid."
    )

    @Argument(help: "The pipeline file.", completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String

    @Option(help: "text, dot or mermaid.")
    var format: GraphFormat = .text

    @Option(help: "Show only these tasks (same syntax as `orch run --select`).", completion: Complete.taskIDs)
    var select: [String] = []

    @Option(help: "Leave these tasks out.", completion: Complete.taskIDs)
    var exclude: [String] = []

    @Flag(help: "Print the nodes and edges as JSON.")
    var json = false

    func run() async throws {
        let loaded = try PipelineLoader.load(path: pipeline)
        let subset: Set<Int>
        do {
            subset = try loaded.graph.select(select, exclude: exclude)
        } catch let error as SelectionError {
            throw RunSetupError(error.description)
        }
        print(json ? try JSONOutput.render(GraphJSON(loaded.graph, pipeline: loaded.spec.name, subset: subset))
                   : loaded.graph.render(format, title: loaded.spec.name, subset: subset))
    }
}
