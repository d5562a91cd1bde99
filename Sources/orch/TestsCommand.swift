import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution
import OrchStore

struct TestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tests",
        abstract: "Data-test results of a run (default: the latest run with tests)."
    )

    @Argument(help: "A run id, a unique prefix of one, or `latest`.", completion: Complete.runIDs())
    var run: String?

    @Option(help: "Only tests of this model.", completion: Complete.taskIDs)
    var model: String?

    @Flag(help: "Only tests that did not pass; exit 1 when one of them failed (warnings alone exit 0).")
    var failed = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let (run, model, failed, json) = (self.run, self.model, self.failed, self.json)
        let (text, failures) = try await OrchEnvironment().withStore { store -> (String, Bool) in
            var id: String?
            if let run { id = try await store.runs.resolveRun(run) }
            let (runID, results) = try await store.runs.testResults(run: id, model: model, failedOnly: failed)
            if let model, results.isEmpty { _ = try await store.runs.knownName(model, .testedModel) }
            let failures = results.contains { $0.status == .fail || $0.status == .error }
            if json { return (try JSONOutput.render(TestResultsJSON(runID: runID, results)), failures) }
            guard let runID else { return ("no test results yet; models' tests run with `orch run` of a pipeline with a sql_model task", false) }
            return (TestsView.render(runID: runID, results, terminal: .detect()), failures)
        }
        print(text)
        // `--failed` is the question a script asks: exit 1 when it lists a failed (or erroring) test; warnings alone are 0.
        if failed && failures { throw ExitCode(1) }
    }
}

struct LineageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "What a dataset is made from (--upstream, the default) or what is made from it (--downstream)."
    )

    @Argument(help: "A dataset: schema.table, file:PATH or http:URL.")
    var dataset: String

    @Flag(help: "Follow what it is made from (default).")
    var upstream = false

    @Flag(help: "Follow what is made from it.")
    var downstream = false

    @Flag(help: "Show times in UTC instead of local time.")
    var utc = false

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if upstream && downstream { throw ValidationError("choose --upstream or --downstream, not both") }
    }

    func run() async throws {
        let (dataset, down, json, time) = (self.dataset, self.downstream, self.json, TimeDisplay.choose(utc: utc))
        let tree = try await OrchEnvironment().withStore { store in
            // `fct_sales` is `analytics.fct_sales` when that is the one recorded dataset of that name.
            try await store.runs.lineage(of: store.runs.knownName(dataset, .dataset), upstream: !down)
        }
        print(json ? try JSONOutput.render(LineageJSON(tree, upstream: !down)) : TestsView.lineage(tree, upstream: !down, time: time))
    }
}
