import Foundation
import OrchExecution
import OrchGraph
import OrchSpec
import OrchStore
import OrchWarehouse
import OrchTasks

/// Runs a pipeline end to end: load, select, render, plan, execute, record.
public struct PipelineRunner: Sendable {
    public var environment: OrchEnvironment
    public var heartbeatInterval: Duration
    /// For `resume`, which has no request of its own (a new run's request carries its own).
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount

    public init(environment: OrchEnvironment) {
        self.environment = environment
        self.heartbeatInterval = environment.heartbeatInterval
    }

    /// The outcome of `run`.
    public struct Outcome: Sendable {
        public var info: RunInfo
        public var status: RunStatus
        /// Why this process stopped the run and recorded nothing more: it was
        /// taken over, or marked crashed, by another orch process.
        public var lostOwnership: String?
        /// The run as recorded at its end (`run_results.json`); nil when it could not be read back.
        public var results: RunResultsJSON?
    }

    /// Prepares the run (everything that can fail because of the user's
    /// input fails here, before anything is recorded) and executes it.
    /// - Throws: `SpecError` or `RunSetupError` (the user's input), or a store error.
    public func run(_ request: RunRequest, store: Store, observers: [any RunObserver] = [],
                    stop: StopSignal = StopSignal()) async throws -> Outcome {
        try await run(request, runs: store.runs, warehouse: store.warehouse, observers: observers, stop: stop)
    }

    /// Runs on any `RunStore`; `warehouse` is what the task kinds read and write (nil: kinds that need none).
    public func run(_ request: RunRequest, runs: any RunStore, warehouse: Warehouse?, observers: [any RunObserver] = [],
                    stop: StopSignal = StopSignal()) async throws -> Outcome {
        try await run(request, resuming: nil, runs: runs, warehouse: warehouse, observers: observers, stop: stop)
    }

    func run(_ request: RunRequest, resuming: StoredRunDetail?, runs: any RunStore, warehouse: Warehouse?,
             observers: [any RunObserver], stop: StopSignal) async throws -> Outcome {
        let loaded = try request.loaded ?? PipelineLoader.load(path: request.pipelinePath)
        let spec = loaded.spec
        let params = try resolveParams(spec, overrides: request.params)
        var selected: Set<Int>
        if let resuming {
            // The same tasks as the first time; ones that no longer exist in the pipeline are dropped.
            selected = Set(resuming.tasks.compactMap { loaded.graph.index(of: $0.taskID) })
        } else {
            selected = try selection(request, in: loaded)
            // After the user's input is checked: a typo is exit 2 even when the database is down.
            try await runs.markCrashed(expiry: environment.heartbeatExpiry)
        }
        let runID = request.runID ?? RunInfo.makeID()
        let directory = environment.runDirectory(pipeline: spec.name, runID: runID)
        let logicalTime = request.logicalTime
        let alert = request.onFailure ?? spec.onFailure
        let secrets = secrets(pipelineFile: spec.file, alert: alert)
        let context = TemplateContext(
            params: params, env: environment.variables,
            run: ["id": runID, "logical_time": logicalTime.ISO8601Format(), "trigger": request.trigger.text],
            pipeline: ["name": spec.name, "dir": spec.directory])
        var kindEnvironment = KindEnvironment(pipelineDirectory: spec.directory, warehouse: warehouse) { text, location in
            try Template.render(text, context: context, at: location)
        }
        kindEnvironment.fullRefresh = request.fullRefresh
        var tasks: [Int: PlannedTask] = [:]
        var diagnostics: [Diagnostic] = []
        // Render each YAML task once, build its units, and give each selected node its body.
        let selectedByTask = Dictionary(grouping: selected, by: { loaded.tasks[$0]!.id })
        for (_, indices) in selectedByTask.sorted(by: { $0.key < $1.key }) {
            var task = loaded.tasks[indices[0]]!
            do {
                task.options = try task.options.mapScalars { text, location in
                    try Template.render(text, context: context, at: location)
                }
                let units = Dictionary(try KindRegistry.units(for: task, environment: kindEnvironment).map { ($0.id, $0) },
                                       uniquingKeysWith: { a, _ in a })
                for i in indices {
                    let node = loaded.graph.nodes[i]
                    guard let unit = units[node.id] else {
                        throw SpecError(Diagnostic("`\(node.id)` disappeared while rendering task `\(task.id)`", at: node.location))
                    }
                    tasks[i] = PlannedTask(id: node.id, body: unit.body, retry: task.retry, timeout: task.timeout,
                                           reads: node.reads.filter { !$0.contains("{{") }, writes: node.writes)
                }
            } catch let d as Diagnostic {
                diagnostics.append(d)
            } catch let e as SpecError {
                diagnostics += e.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics.sorted { ($0.location?.line ?? 0) < ($1.location?.line ?? 0) }) }

        var plan = ExecutionPlan(graph: loaded.graph, selected: selected, tasks: tasks)
        plan.secrets = secrets
        if let resuming {
            for t in resuming.tasks {
                guard let i = loaded.graph.index(of: t.taskID) else { continue }
                if t.state == .succeeded { plan.alreadySucceeded.insert(i) }
                plan.previousAttempts[i] = t.attempts.map(\.attempt).max() ?? 0
            }
        }
        // A new token for every start and every retry: the store takes writes from its holder only.
        let owner = RunOwner.current()
        if let resuming {
            try await runs.reopen(run: runID, owner: owner)
            await stopLeftovers(of: resuming)
        }
        let info = RunInfo(id: runID, pipeline: spec.name, pipelineFile: URL(fileURLWithPath: spec.file).standardizedFileURL.path, trigger: request.trigger,
                           logicalTime: logicalTime, params: params, specHash: spec.specHash,
                           host: owner.host, pid: owner.pid,
                           directory: resuming?.run.runDirectory ?? directory.path, tasks: plan.orderedIDs,
                           startedAt: resuming?.run.startedAt ?? Date(), resumedAt: resuming == nil ? nil : Date(),
                           ownerToken: owner.token, processStamp: owner.stamp)
        try directory.create()
        var executorConfiguration = Executor.Configuration()
        executorConfiguration.concurrency = request.concurrency
        executorConfiguration.failFast = request.failFast
        let watch = OwnershipWatch(runID: runID, token: owner.token, runs: runs, stop: stop)
        executorConfiguration.admission = { _, _ in await watch.admit() }
        let executor = Executor(configuration: executorConfiguration)
        let folder = info.folder
        // Durable before any task starts: a run that has done work is never lost, whenever orch is killed.
        // Every later write is group-committed by the recorder.
        try await runs.start(info)
        let recorder = StoreRecorder(runs: runs, runID: runID, token: owner.token, outageLimit: environment.databaseOutageLimit,
                                     startRecorded: true, onWritten: { watch.confirmed(at: $0) },
                                     onOutage: { reason in
            FileHandle.standardError.write(Data("orch: \(reason)\n".utf8))
            try? "\(Date().ISO8601Format()) \(reason)\n".write(toFile: folder.databaseOutage, atomically: true, encoding: .utf8)
            stop.request(reason)
        }, onRefused: { await watch.recheck() })
        // Run and task counts for /metrics: no observer at all unless an exporter is installed.
        let metrics = OrchMetrics.observer(pipeline: spec.name, kinds: Dictionary(
            selected.map { (loaded.graph.nodes[$0].id, loaded.tasks[$0]?.kind ?? "unknown") }, uniquingKeysWith: { a, _ in a })).map { [$0] } ?? []
        let status = await withTaskGroup(of: RunStatus?.self) { group in
            // Heartbeat while the run is alive, so a crashed run can be told apart from a slow one,
            // and so this process learns when the run is no longer its own.
            group.addTask {
                await watch.heartbeat(every: heartbeatInterval)
                return nil
            }
            let status = await executor.run(plan, info: info, observers: observers + [recorder] + exporters(info, plan: plan) + metrics, stop: stop)
            group.cancelAll()
            return status
        }
        if let lost = watch.lost {
            // No report or alert: the run is recorded by whoever holds it now, and its folder is theirs.
            try? await runs.release(run: runID, token: owner.token)
            return Outcome(info: info, status: status, lostOwnership: lost)
        }
        if status != .succeeded {
            // The report on disk, readable with `less` when the database is the thing that is down.
            let built: RunReport?
            do { built = try await RunReport.build(runID: runID, runs: runs) } catch {
                built = nil
                FileHandle.standardError.write(Data("orch: could not build the report of run \(runID): \(StoreError.describe(error))\n".utf8))
            }
            if let report = built {
                do {
                    try report.markdown.write(toFile: folder.report, atomically: true, encoding: .utf8)
                } catch {
                    FileHandle.standardError.write(Data("orch: warning: could not write \(folder.report): \(error.localizedDescription)\n".utf8))
                }
                if let alert {
                    await AlertSender.send(alert, report: report, secrets: secrets) { try Template.render($0, context: context, at: SourceLocation(file: spec.file, line: 1, column: 1)) }
                }
            }
        }
        return Outcome(info: info, status: status, results: await writeResults(runID: runID, runs: runs, folder: folder))
    }

    /// The run's secrets: what the environment marks as secret, and every
    /// variable the pipeline file or the alert reads with `{{ env.X }}`.
    func secrets(pipelineFile: String, alert: AlertSpec?) -> SecretMask {
        Self.secrets(variables: environment.variables, pipelineFile: pipelineFile, also: [alert?.webhook ?? "", alert?.command ?? ""])
    }

    /// The secrets `variables` hold for a run of `pipelineFile` (and of any other text, `also`, that reads `{{ env.X }}`).
    public static func secrets(variables: [String: String], pipelineFile: String, also: [String] = []) -> SecretMask {
        let pipelineText = (try? String(contentsOfFile: pipelineFile, encoding: .utf8)) ?? ""
        let referenced = SecretMask.referencedVariables(in: ([pipelineText] + also).joined(separator: "\n"))
        return SecretMask.from(environment: variables, referenced: referenced)
    }

    /// Declared params with `--param` overrides applied.
    /// - Throws: `RunSetupError` for an override of an undeclared param.
    func resolveParams(_ spec: PipelineSpec, overrides: [String: String]) throws -> [String: String] {
        var params = Dictionary(spec.params.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard params[key] != nil else {
                let names = spec.params.map(\.name)
                let hint = KeySuggestion.nearest(to: key, among: names).map { " Did you mean `\($0)`?" }
                    ?? (names.isEmpty ? " It declares none." : " Declared: \(names.joined(separator: ", ")).")
                throw RunSetupError("`--param \(key)=…`: pipeline `\(spec.name)` has no param `\(key)`.\(hint)")
            }
            params[key] = value
        }
        return params
    }
}
