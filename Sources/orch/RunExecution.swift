import ArgumentParser
import Foundation
import OrchExecution
import OrchRuntime

/// Runs `request` with live progress, Ctrl-C handling and `orch run`'s exit
/// code: the one path of `orch run` and `orch trigger`.
func executeRun(_ request: RunRequest, json: Bool = false, utc: Bool = false, verbose: Bool = false) async throws {
    let environment = OrchEnvironment()
    // The user's input first (pipeline, params, selection: exit 2), even when the database is down.
    var checked = request
    checked.loaded = try PipelineRunner(environment: environment).preview(request).loaded
    let finalRequest = checked
    let stop = StopSignal()
    let signals = SignalHandlers.install(stop)
    defer { _ = signals }
    let reporter = ConsoleReporter.forOutput(json: json, utc: utc, verbose: verbose)
    let outcome = try await environment.withStore { store in
        try await PipelineRunner(environment: environment).run(finalRequest, store: store, observers: [reporter], stop: stop)
    }
    try outcome.exit(json: json)
}
