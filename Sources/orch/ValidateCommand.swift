import ArgumentParser
import Foundation
import OrchRuntime
import OrchSpec
import OrchGraph

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files without running them (exit 2 if any has a problem)."
    )

    @Argument(help: "Pipeline files.", completion: .file(extensions: ["yml", "yaml"]))
    var files: [String]

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        var results: [ValidateJSON.File] = []
        var problems: [String] = []
        for file in files {
            do {
                let loaded = try PipelineLoader.load(path: file)
                results.append(ValidateJSON.File(file: file, pipeline: loaded.spec.name, tasks: loaded.graph.nodes.count, diagnostics: []))
                if !json { print("\(file): ok (pipeline \(loaded.spec.name), \(loaded.graph.nodes.count) tasks)") }
            } catch let error as SpecError {
                results.append(ValidateJSON.File(file: file, pipeline: nil, tasks: nil, diagnostics: error.diagnostics))
                problems += error.diagnostics.map(\.description)
            }
        }
        if json {
            print(try JSONOutput.render(ValidateJSON(results)))
        } else if !problems.isEmpty {
            printError(problems.joined(separator: "\n"))
        }
        if results.contains(where: { !$0.valid }) { throw ExitCode(2) }
    }
}
