import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution
import OrchStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Recent runs, or one run's tasks and attempts."
    )

    @Argument(help: "A run id (or a unique prefix of one) to show in detail.")
    var run: String?

    @Option(help: "Only runs of this pipeline.")
    var pipeline: String?

    @Option(help: "How many runs to list.")
    var limit: Int = 20

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let (run, pipeline, limit, json) = (self.run, self.pipeline, self.limit, self.json)
        let environment = OrchEnvironment()
        let text = try await environment.withStore { store -> String in
            // Runs whose process died are marked crashed before they are shown.
            try await store.runs.markCrashed(expiry: environment.heartbeatExpiry)
            if let run {
                let id = try await store.runs.resolve(run)
                guard let detail = try await store.runs.detail(id) else { throw RunStoreError.notFound(run) }
                return json ? try StatusView.json(detail) : StatusView.detail(detail, terminal: .detect())
            }
            let runs = try await store.runs.list(pipeline: pipeline, limit: limit)
            // A pipeline with no runs is most often a typo: say so, with the nearest name.
            if let pipeline, runs.isEmpty { _ = try await store.runs.knownName(pipeline, .pipeline) }
            return json ? try StatusView.json(runs) : StatusView.runs(runs, terminal: .detect())
        }
        print(text)
    }
}
