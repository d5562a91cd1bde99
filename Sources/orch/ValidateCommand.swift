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

    struct FileResult: Encodable {
        var file: String
        var valid: Bool
        var pipeline: String?
        var tasks: Int?
        var diagnostics: [Diagnostic]
    }

    func run() async throws {
        var results: [FileResult] = []
        for file in files {
            do {
                let loaded = try PipelineLoader.load(path: file)
                results.append(FileResult(file: file, valid: true, pipeline: loaded.spec.name,
                                          tasks: loaded.graph.nodes.count, diagnostics: []))
            } catch let error as SpecError {
                results.append(FileResult(file: file, valid: false, diagnostics: error.diagnostics))
            }
        }
        if json {
            print(try StatusView.json(results))
        } else {
            for r in results {
                if r.valid {
                    print("\(r.file): ok (pipeline \(r.pipeline ?? ""), \(r.tasks ?? 0) tasks)")
                } else {
                    printError(r.diagnostics.map(\.description).joined(separator: "\n"))
                }
            }
        }
        if results.contains(where: { !$0.valid }) { throw ExitCode(2) }
    }
}
