import ArgumentParser
import Foundation
import OrchRuntime
import OrchExecution

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline now, with live progress; exit 0 only if every task succeeded."
    )

    @Argument(help: "The pipeline file.", completion: .file(extensions: ["yml", "yaml"]))
    var pipeline: String

    @Option(name: .long, help: "Tasks to run: NAME, NAME+ (and downstream), +NAME (and upstream), tag:X; a model brings its data tests. Repeatable.", completion: Complete.taskIDs)
    var select: [String] = []

    @Option(name: .long, help: "Tasks to leave out (same syntax as --select; tag:test leaves the data tests out). Repeatable.", completion: Complete.taskIDs)
    var exclude: [String] = []

    @Flag(help: "Run no data tests, not even those of the selected models.")
    var noTests = false

    @Option(name: .customLong("param"), help: "Override a pipeline param: --param name=value. Repeatable.")
    var params: [String] = []

    @Option(help: "How many tasks may run at once (default: the number of cores).")
    var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Stop everything at the first failed task.")
    var failFast = false

    @Flag(help: "Rebuild incremental models from scratch.")
    var fullRefresh = false

    @Flag(help: "Print the tasks that would run, in order; run nothing, record nothing (no database needed).")
    var dryRun = false

    @Flag(help: "Print the run's results as JSON at the end (as run_results.json); progress goes to stderr.")
    var json = false

    @Flag(help: "Show times in UTC instead of local time.")
    var utc = false

    @Flag(name: .shortAndLong, help: "End with every task's state, attempts and duration, not only the failed and retried ones.")
    var verbose = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        var request = RunRequest(pipelinePath: pipeline)
        request.params = try RunRequest.parseParams(params)
        request.select = select
        request.exclude = exclude
        request.includeTests = !noTests
        request.concurrency = concurrency
        request.failFast = failFast
        request.fullRefresh = fullRefresh
        if dryRun {
            print(try PipelineRunner(environment: OrchEnvironment()).preview(request).text)
            return
        }
        try await executeRun(request, json: json, utc: utc, verbose: verbose)
    }
}

extension PipelineRunner.Outcome {
    /// The exit code of `orch run` and `orch retry`: 0 only if every task succeeded.
    func exit(json: Bool = false) throws {
        if json, let results { print(String(decoding: try results.encoded(), as: UTF8.self)) }
        if let lost = lostOwnership {
            // Another orch process holds the run now; this one stopped its tasks and recorded nothing more.
            printError("error: stopped: \(lost)")
            throw ExitCode(3)
        }
        switch status {
        case .succeeded: return
        case .cancelled: throw ExitCode(130)
        default: throw ExitCode(1)
        }
    }
}

extension ConsoleReporter {
    /// Progress on stdout, or (as lines) on stderr when stdout carries JSON.
    static func forOutput(json: Bool, utc: Bool, verbose: Bool) -> ConsoleReporter {
        var configuration = ProgressRenderer.Configuration.detect(json ? Terminal(color: false) : .detect(), verbose: verbose)
        configuration.time = TimeDisplay.choose(utc: utc)
        return json ? ConsoleReporter(configuration: configuration, write: { text in FileHandle.standardError.write(Data(text.utf8)) })
                    : ConsoleReporter(configuration: configuration)
    }
}
