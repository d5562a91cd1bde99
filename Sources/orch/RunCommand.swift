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

    @Option(name: .long, help: "Tasks to run: NAME, NAME+ (and downstream), +NAME (and upstream), tag:X. Repeatable.")
    var select: [String] = []

    @Option(name: .long, help: "Tasks to leave out (same syntax as --select). Repeatable.")
    var exclude: [String] = []

    @Option(name: .customLong("param"), help: "Override a pipeline param: --param name=value. Repeatable.")
    var params: [String] = []

    @Option(help: "How many tasks may run at once (default: the number of cores).")
    var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Stop everything at the first failed task.")
    var failFast = false

    @Flag(help: "Rebuild incremental models from scratch.")
    var fullRefresh = false

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
        request.concurrency = concurrency
        request.failFast = failFast
        request.fullRefresh = fullRefresh
        let environment = OrchEnvironment()
        let finalRequest = request
        let stop = StopSignal()
        let signals = SignalHandlers.install(stop)
        defer { _ = signals }
        let reporter = ConsoleReporter(terminal: .detect(), verbose: verbose)
        let outcome = try await environment.withStore { store in
            try await PipelineRunner(environment: environment).run(finalRequest, store: store, observers: [reporter], stop: stop)
        }
        try outcome.exit()
    }
}

extension PipelineRunner.Outcome {
    /// The exit code of `orch run` and `orch retry`: 0 only if every task succeeded.
    func exit() throws {
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
