import Foundation
import OrchExecution
import OrchSpec
import OrchStore

extension PipelineRunner {
    /// A scheduled run that could not start (its pipeline no longer loads, a
    /// template names an unset variable, the database blinked before the run
    /// was recorded) becomes a failed run with the reason, under the id and
    /// logical time its tick was claimed with, so `orch status`, `orch report`
    /// and the `on_failure` alert see it instead of a line on stderr only.
    /// Recording is retried while the database is unreachable (for up to
    /// the outage limit, or until `stop`). Returns the recorded message.
    public func recordNotStarted(_ request: RunRequest, runID: String, error cause: any Error, runs: any RunStore,
                                 stop: StopSignal = StopSignal()) async -> String {
        let loaded = try? PipelineLoader.load(path: request.pipelinePath)
        let alert = request.onFailure ?? loaded?.spec.onFailure
        let secrets = secrets(pipelineFile: request.pipelinePath, alert: alert)
        let message = secrets.apply("could not start: " + StoreError.describe(cause))
        let name = loaded?.spec.name ?? URL(fileURLWithPath: request.pipelinePath).deletingPathExtension().lastPathComponent
        let directory = environment.runDirectory(pipeline: name, runID: runID)
        let params = loaded.flatMap { try? resolveParams($0.spec, overrides: request.params) } ?? request.params
        let info = RunInfo(id: runID, pipeline: name, pipelineFile: URL(fileURLWithPath: request.pipelinePath).standardizedFileURL.path,
                           trigger: request.trigger, logicalTime: request.logicalTime, params: params,
                           specHash: loaded?.spec.specHash ?? "", host: ProcessInfo.processInfo.hostName,
                           pid: ProcessInfo.processInfo.processIdentifier, directory: directory.path, tasks: [], startedAt: Date())
        let deadline = ContinuousClock.now + environment.databaseOutageLimit
        do {
            try await RetryLoop(firstDelay: .milliseconds(200), maxDelay: .seconds(5)).run(retryIf: { error in
                StoreError.isConnectionProblem(error) && ContinuousClock.now < deadline && stop.reason == nil
            }) {
                try await runs.recordNotStarted(info, message: message)
            }
        } catch {
            FileHandle.standardError.write(Data("orch: could not record that run \(runID) could not start: \(StoreError.describe(error))\n".utf8))
            return message
        }
        OrchMetrics.runFinished(pipeline: name, status: .failed) // a run, though it never ran a task
        try? directory.create()
        _ = await writeResults(runID: runID, runs: runs, folder: directory)
        guard let report = try? await RunReport.build(runID: runID, runs: runs) else { return message }
        try? report.markdown.write(toFile: directory.report, atomically: true, encoding: .utf8)
        if let alert {
            let context = TemplateContext(
                params: params, env: environment.variables,
                run: ["id": runID, "logical_time": request.logicalTime.ISO8601Format(), "trigger": request.trigger.text],
                pipeline: ["name": name, "dir": loaded?.spec.directory ?? URL(fileURLWithPath: request.pipelinePath).deletingLastPathComponent().path])
            await AlertSender.send(alert, report: report, secrets: secrets) {
                try Template.render($0, context: context, at: SourceLocation(file: request.pipelinePath, line: 1, column: 1))
            }
        }
        return message
    }
}
