import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution
import OrchSpec
import OrchStore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete old runs (attempts, logs, test results, their folders) in batches; the latest lineage of each dataset stays."
    )

    @Option(help: "Delete runs finished longer ago than this (e.g. 90d).") var olderThan: String
    @Flag(help: "Keep failed and crashed runs.") var keepFailed = false
    @Flag(help: "Only say what would be deleted.") var dryRun = false
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Show times in UTC instead of local time.") var utc = false

    func run() async throws {
                // A unit is required: `--older-than 90` would read as 90 seconds and delete nearly everything.
        guard let age = DurationText.parse(olderThan, requireUnit: true), age > .zero else {
            throw ValidationError("--older-than must be a duration with a unit, like 90d or 12h (found `\(olderThan)`)")
        }
        let before = Date().addingTimeInterval(-age.seconds)
        let (keepFailed, dryRun) = (self.keepFailed, self.dryRun)
        let result = try await OrchEnvironment().withStore { store in
            try await Retention.prune(store: store, before: before, keepFailed: keepFailed, dryRun: dryRun)
        }
        if json { print(try JSONOutput.render(PruneJSON(result, before: before, dryRun: dryRun))); return }
        print("\(dryRun ? "would delete" : "deleted") \(result.runs) run(s) finished before \(TimeDisplay.choose(utc: utc).format(before)): "
              + "\(result.attempts) attempt(s), \(result.testResults) test result(s), \(result.lineageEdges) superseded lineage edge(s), "
              + "\(result.folders.count) run folder(s)")
    }
}
