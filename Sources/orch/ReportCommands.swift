import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution
import OrchStore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "What failed in a run, why, what it blocked, what changed, and how to resume (default: the latest failed run)."
    )

    @Argument(help: "A run id, a unique prefix of one, or `latest`.", completion: Complete.runIDs()) var run: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Show times in UTC instead of local time.") var utc = false

    func run() async throws {
        let (run, json, time) = (self.run, self.json, TimeDisplay.choose(utc: utc))
        let environment = OrchEnvironment()
        let text = try await environment.withStore { store -> String in
            try await store.runs.markCrashed(expiry: environment.heartbeatExpiry)
            var id: String?
            if let run { id = try await store.runs.resolveRun(run) } else { id = try await store.runs.latestUnsuccessful() }
            guard let id else { return json ? try JSONOutput.render(ReportJSON.Nothing()) : "no failed, cancelled or crashed run: nothing to report" }
            let report = try await RunReport.build(runID: id, runs: store.runs)
            if let dir = report.run.runDirectory { try? report.markdown.write(toFile: RunDirectory(dir).report, atomically: true, encoding: .utf8) }
            return json ? try JSONOutput.render(ReportJSON(report)) : report.markdown(time: time)
        }
        print(text)
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Resume a failed, cancelled or crashed run: same id, logical time and params; only what did not succeed runs again."
    )

    @Argument(help: "A run id, a unique prefix of one, or `latest`.", completion: Complete.runIDs()) var run: String
    @Option(help: "How many tasks may run at once.") var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print the run's results as JSON at the end (as run_results.json); progress goes to stderr.") var json = false
    @Flag(help: "Show times in UTC instead of local time.") var utc = false
    @Flag(name: .shortAndLong, help: "End with every task's state, attempts and duration, not only the failed and retried ones.")
    var verbose = false

    func run() async throws {
        let (run, concurrency, json, verbose) = (self.run, self.concurrency, self.json, self.verbose)
        let environment = OrchEnvironment()
        let stop = StopSignal()
        let signals = SignalHandlers.install(stop)
        defer { _ = signals }
        let reporter = ConsoleReporter.forOutput(json: json, utc: utc, verbose: verbose)
        let outcome = try await environment.withStore { store in
            let id = try await store.runs.resolveRun(run)
            var runner = PipelineRunner(environment: environment)
            runner.concurrency = concurrency
            return try await runner.resume(runID: id, store: store, observers: [reporter], stop: stop)
        }
        try outcome.exit(json: json)
    }
}
