import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution
import OrchStore

extension RunStatus: ExpressibleByArgument {}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Recent runs, or one run's tasks and attempts."
    )

    @Argument(help: "A run id (a unique prefix of one, or `latest`) to show in detail.", completion: Complete.runIDs())
    var run: String?

    @Option(help: "Only runs of this pipeline.", completion: Complete.pipelineNames)
    var pipeline: String?

    @Option(help: "Only runs in this state: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
    var state: RunStatus?

    @Option(help: "Only runs started since: \(SinceText.expected).")
    var since: String?

    @Option(help: "Only runs with this trigger: manual, schedule, backfill, retry, or schedule:NAME / backfill:NAME.")
    var trigger: String?

    @Option(help: "How many runs to list.")
    var limit: Int = 20

    @Flag(help: "Show times in UTC instead of local time.")
    var utc = false

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        if let since, SinceText.parse(since) == nil { throw ValidationError("--since must be \(SinceText.expected) (found `\(since)`)") }
        if let trigger, TriggerMatch(trigger) == nil {
            throw ValidationError("--trigger must be manual, schedule, backfill or retry, or schedule:NAME / backfill:NAME (found `\(trigger)`)")
        }
    }

    func run() async throws {
        let filter = RunFilter(pipeline: pipeline, status: state, since: since.flatMap { SinceText.parse($0) },
                               trigger: trigger.flatMap(TriggerMatch.init))
        let (run, limit, json, time) = (self.run, self.limit, self.json, TimeDisplay.choose(utc: utc))
        let environment = OrchEnvironment()
        let text = try await environment.withStore { store -> String in
            // Runs whose process died are marked crashed before they are shown.
            try await store.runs.markCrashed(expiry: environment.heartbeatExpiry)
            if let run {
                let id = try await store.runs.resolveRun(run)
                guard let detail = try await store.runs.detail(id) else { throw RunStoreError.notFound(run) }
                return json ? try JSONOutput.render(RunResultsJSON(detail)) : StatusView.detail(detail, terminal: .detect(), time: time)
            }
            let runs = try await store.runs.list(filter, limit: limit)
            // A pipeline with no runs is most often a typo: say so, with the nearest name.
            if let pipeline = filter.pipeline, runs.isEmpty { _ = try await store.runs.knownName(pipeline, .pipeline) }
            let total = runs.count < limit ? runs.count : try await store.runs.count(filter)
            return json ? try JSONOutput.render(RunListJSON(runs, total: total))
                        : StatusView.runs(runs, total: total, filtered: filter != RunFilter(), terminal: .detect(), time: time)
        }
        print(text)
    }
}
