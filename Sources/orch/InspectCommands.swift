import ArgumentParser
import Foundation
import OrchGraph
import OrchRuntime

struct LsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the nodes of pipelines (tasks, models, tests) with kind, tags and dependencies, as dbt ls does."
    )

    @Argument(help: "Pipeline files (default: every pipelines/*.yml).", completion: .file(extensions: ["yml", "yaml"]))
    var pipelines: [String] = []

    @Option(help: "Nodes to list (same syntax as `orch run --select`; a model brings its tests). Repeatable.", completion: Complete.taskIDs)
    var select: [String] = []

    @Option(help: "Nodes to leave out (same syntax). Repeatable.", completion: Complete.taskIDs)
    var exclude: [String] = []

    @Flag(help: "Leave the data tests out.")
    var noTests = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let files = pipelines.isEmpty ? Complete.pipelineFiles(in: []) : pipelines
        guard !files.isEmpty else { throw RunSetupError("no pipeline files: name them (orch ls P.yml) or run where pipelines/*.yml are") }
        let nodes = try NodeListing.list(pipelines: files, selection: Selection(select: select, exclude: exclude, tests: !noTests))
        if json { print(try JSONOutput.render(NodesJSON(nodes))); return }
        // The data tests a node waits for (its upstream models' tests) are counted, not listed: --json lists them.
        print(Terminal.table(["NODE", "KIND", "PIPELINE", "TAGS", "DEPENDS ON"], nodes.map { node in
            let others = node.dependsOn.filter { !node.testDependencies.contains($0) }
            let tests = node.testDependencies.isEmpty ? [] : ["+\(node.testDependencies.count) tests"]
            return [node.id, node.kind, node.pipeline, node.tags.joined(separator: ","), (others + tests).joined(separator: ",")]
        }))
    }
}

struct CompileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Write the compiled SQL of a pipeline's models and tests to $ORCH_HOME/<pipeline>/compiled/, running nothing."
    )

    @Argument(help: "The pipeline file.", completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String

    @Option(help: "Nodes to compile (same syntax as `orch run --select`). Repeatable.", completion: Complete.taskIDs)
    var select: [String] = []

    @Option(help: "Nodes to leave out. Repeatable.", completion: Complete.taskIDs)
    var exclude: [String] = []

    @Flag(help: "Compile incremental models as a later run merges them (is_incremental() true), not as a first build.")
    var incremental = false

    func run() async throws {
        let result = try PipelineCompilation.compile(path: pipeline, selection: Selection(select: select, exclude: exclude),
                                                     home: OrchEnvironment().home, incremental: incremental)
        for file in result.files { print(file.path) }
        let note = result.files.isEmpty ? "no models or tests selected; nothing written" : "\(result.files.count) file(s) in \(result.directory)"
        printError("compiled \(result.pipeline): \(note)")
    }
}
