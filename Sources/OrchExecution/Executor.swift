import Foundation
import OrchGraph
import OrchSpec

/// Runs an `ExecutionPlan`: bounded parallelism on one task group, retries
/// with backoff, timeouts, stop requests. The only state changes happen in
/// the parent loop; children return outcomes (the shape of ServiceGroup).
public struct Executor: Sendable {
    public struct Configuration: Sendable {
        public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
        /// Stop everything at the first failed task.
        public var failFast = false
        /// Lines of each attempt's log kept with the attempt.
        public var logTailLines = 40
        /// How long an attempt's log may stay in memory only: past this, it
        /// is put on disk (for `orch logs -f`) even if it will end a success.
        public var logFlushDelay = Duration.milliseconds(250)
        /// Asked before every attempt; a reason refuses it (the task ends
        /// cancelled). The runner refuses once its run has another owner, so a
        /// process that lost its run starts nothing more of it.
        public var admission: (@Sendable (_ task: String, _ attempt: Int) async -> String?)?
        public init() {}
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    private enum ChildResult: Sendable {
        case stopRequested(String?)
        case taskEnded(Int, TaskState, String?)
    }

    /// Runs the plan to the end and returns the run's status. Every event goes
    /// to `observers` in order, and all are delivered before this returns.
    public func run(_ plan: ExecutionPlan, info: RunInfo, observers: [any RunObserver],
                    stop: StopSignal = StopSignal()) async -> RunStatus {
        let journal = EventJournal(observers: observers, secrets: plan.secrets)
        let flusher = LogFlusher(after: configuration.logFlushDelay)
        return await withTaskGroup(of: RunStatus?.self) { group in
            group.addTask {
                await journal.deliver()
                return nil
            }
            let status = await withTaskGroup(of: Void.self) { flushing in
                flushing.addTask { await flusher.run() }
                defer { flushing.cancelAll() }
                return await execute(plan, info: info, journal: journal, stop: stop, flusher: flusher)
            }
            journal.finish()
            await group.waitForAll()
            return status
        }
    }

    private func execute(_ plan: ExecutionPlan, info: RunInfo, journal: EventJournal, stop: StopSignal,
                         flusher: LogFlusher) async -> RunStatus {
        journal.emit(.runStarted(info))
        for i in plan.alreadySucceeded.sorted() where plan.selected.contains(i) {
            // A resumed run: these stay as they were; say so, so every observer has every task's state.
            journal.emit(.taskStateChanged(task: plan.graph.nodes[i].id, state: .succeeded, at: Date(), message: nil))
        }
        var machine = RunStateMachine(graph: plan.graph, selected: plan.selected,
                                      concurrency: configuration.concurrency, done: plan.alreadySucceeded)
        var stopMessage: String?
        let graph = plan.graph
        func emitChanges(_ changes: [(index: Int, state: TaskState)], message: String?) {
            for change in changes {
                journal.emit(.taskStateChanged(task: graph.nodes[change.index].id, state: change.state,
                                               at: Date(), message: message))
            }
        }

        await withTaskGroup(of: ChildResult.self) { group in
            group.addTask { .stopRequested(await stop.wait()) }
            func launchReady() {
                for i in machine.startReady() {
                    guard let task = plan.tasks[i] else {
                        preconditionFailure("plan has no body for node \(graph.nodes[i].id)")
                    }
                    journal.emit(.taskStateChanged(task: task.id, state: .running, at: Date(), message: nil))
                    let firstAttempt = (plan.previousAttempts[i] ?? 0) + 1
                    group.addTask {
                        let (state, message) = await runTask(task, firstAttempt: firstAttempt, info: info, secrets: plan.secrets,
                                                             journal: journal, flusher: flusher)
                        return .taskEnded(i, state, message)
                    }
                }
            }
            launchReady()
            while !machine.isFinished, let next = await group.next() {
                switch next {
                case let .stopRequested(reason?):
                    stopMessage = "stopped: \(reason)"
                    emitChanges(machine.stop(.cancelled), message: stopMessage)
                    group.cancelAll()
                case .stopRequested(nil):
                    break
                case let .taskEnded(i, state, message):
                    journal.emit(.taskStateChanged(task: graph.nodes[i].id, state: state, at: Date(), message: message))
                    emitChanges(machine.finish(i, as: state), message: "upstream `\(graph.nodes[i].id)` did not succeed")
                    if state == .failed && configuration.failFast && machine.stopKind == nil {
                        stopMessage = "stopped after `\(graph.nodes[i].id)` failed (--fail-fast)"
                        emitChanges(machine.stop(.failFast), message: stopMessage)
                        group.cancelAll()
                    }
                    launchReady()
                }
            }
            group.cancelAll()
        }
        let status = machine.runStatus
        journal.emit(.runFinished(status: status, at: Date(), message: stopMessage))
        return status
    }

    /// All attempts of one task; returns its final state and a message.
    private func runTask(_ task: PlannedTask, firstAttempt: Int, info: RunInfo, secrets: SecretMask,
                         journal: EventJournal, flusher: LogFlusher) async -> (TaskState, String?) {
        let taskDirectory = info.folder.taskDirectory(task.id)
        var lastAttempt = firstAttempt + task.retry.retries
        var attempt = firstAttempt
        while true {
            if Task.isCancelled { return (.cancelled, "cancelled before attempt \(attempt)") }
            if let admission = configuration.admission, let refusal = await admission(task.id, attempt) {
                return (.cancelled, refusal)
            }
            let started = Date()
            let log: AttemptLog
            do {
                let skipped: Int
                (log, skipped) = try Self.createLog(in: info.folder, task: task.id, attempt: attempt, secrets: secrets)
                attempt += skipped
                lastAttempt += skipped
            } catch {
                return (.failed, "cannot create the log of attempt \(attempt) in \(taskDirectory): \(error)")
            }
            let logPath = log.path
            flusher.track(log)
            journal.emit(.attemptStarted(task: task.id, attempt: attempt, at: started, logPath: logPath))
            log.write("== orch: task \(task.id), attempt \(attempt) of \(lastAttempt), run \(info.id), started \(started.ISO8601Format())")
            var context = TaskContext(runID: info.id, pipeline: info.pipeline, taskID: task.id, attempt: attempt,
                                      maxAttempts: lastAttempt, logicalTime: info.logicalTime,
                                      runFolder: info.folder, log: log, timeout: task.timeout)
            context.processStarted = { [attempt] pid in
                // Read the stamp now: the child is not reaped before its run returns, so it is still there.
                let leader = ProcessStamp.of(pid: pid)
                log.write("== orch: started process \(pid), the leader of its own process group")
                journal.emit(.attemptProcessStarted(task: task.id, attempt: attempt, processGroup: pid, leader: leader))
            }
            var result = await runAttempt(task, context: context)
            let finished = Date()
            var record = AttemptRecord(task: task.id, attempt: attempt, status: .succeeded, startedAt: started,
                                       finishedAt: finished, errorClass: nil, error: nil, exitCode: nil,
                                       logPath: logPath, logTail: "", output: nil)
            switch result {
            case var .succeeded(output):
                if output.lineage.isEmpty {
                    // Declared datasets; a task that writes from no declared input is its own origin.
                    let sources = task.reads.isEmpty ? ["task:\(info.pipeline).\(task.id)"] : task.reads
                    output.lineage = task.writes.flatMap { w in sources.map { LineageEdge(source: $0, target: w) } }
                }
                record.output = output
                log.write("== orch: succeeded in \(DurationText.format(record.duration))" + (output.summary.map { ": \($0)" } ?? ""))
            case let .failed(failure):
                record.status = .failed
                record.errorClass = failure.errorClass
                record.error = failure.message
                record.exitCode = failure.exitCode
                record.output = failure.output
                log.write("== orch: failed (\(failure.errorClass)): \(failure.message)")
            case let .timedOut(limit):
                record.status = .timedOut
                record.errorClass = .timeout
                record.error = "timed out after \(DurationText.format(limit)) (the task's `timeout`); its work was stopped"
                log.write("== orch: \(record.error!)")
            case .cancelled:
                record.status = .cancelled
                record.errorClass = .cancelled
                record.error = "cancelled while running"
                log.write("== orch: cancelled")
            }
            flusher.untrack(log)
            // A success whose lines all fit in the stored tail needs no file; anything else keeps one.
            log.close(unlessTailHolds: record.status == .succeeded ? configuration.logTailLines : nil)
            // A log that could not be written (a full disk) is never a silent success.
            if record.status == .succeeded, let problem = log.writeFailure {
                let failure = TaskFailure(.logWrite, "the attempt log could not be written (\(problem)); the work may have "
                                          + "finished, but what it did is not on record", retryable: false)
                record.status = .failed
                record.errorClass = failure.errorClass
                record.error = failure.message
                result = .failed(failure)
            }
            record.logTail = log.tail(lines: configuration.logTailLines)
            journal.emit(.attemptFinished(record))

            switch result {
            case .succeeded:
                return (.succeeded, nil)
            case .cancelled:
                return (.cancelled, record.error)
            case let .failed(failure) where !failure.retryable:
                return (.failed, failure.message)
            case .failed, .timedOut:
                guard attempt < lastAttempt else {
                    let tries = attempt - firstAttempt + 1
                    return (.failed, record.error! + (tries > 1 ? " (after \(tries) attempts)" : ""))
                }
                var delay = task.retry.delay(afterAttempt: attempt - firstAttempt + 1, random: Double.random(in: 0..<1))
                                // The other side's wish, but never longer than the task's own cap on one wait.
                if case let .failed(failure) = result, let retryAfter = failure.retryAfter {
                    delay = max(delay, min(retryAfter, task.retry.maxDelay))
                }
                journal.emit(.retryScheduled(task: task.id, afterAttempt: attempt, delay: delay, at: Date()))
                do { try await Task.sleep(for: delay) } catch { return (.cancelled, "cancelled while waiting to retry") }
                attempt += 1
            }
        }
    }

    /// Creates the log of `attempt`, or of the first later number whose log
    /// does not exist yet; returns it and how many numbers were skipped. An
    /// existing log belongs to an earlier attempt the records may not know
    /// of (its orch died before the start was recorded): it is never reused.
    private static func createLog(in folder: RunDirectory, task: String, attempt: Int, secrets: SecretMask) throws -> (AttemptLog, Int) {
        var skipped = 0
        while true {
            let path = folder.attemptLog(task: task, attempt: attempt + skipped)
            do {
                return (try AttemptLog(path: path, exclusive: true, secrets: secrets), skipped)
            } catch is AttemptLog.Exists {
                skipped += 1
            }
        }
    }

    private enum AttemptResult: Sendable {
        case succeeded(TaskOutput)
        case failed(TaskFailure)
        case timedOut(Duration)
        case cancelled
    }

    private enum AttemptRace: Sendable {
        case body(Result<TaskOutput, any Error>)
        case deadline
        case deadlineCancelled
    }

    /// One attempt raced against its timeout; on timeout the body is
    /// cancelled and awaited, so its work is really stopped before we go on.
    private func runAttempt(_ task: PlannedTask, context: TaskContext) async -> AttemptResult {
        await withTaskGroup(of: AttemptRace.self) { group in
            group.addTask {
                do { return .body(.success(try await task.body.run(context))) } catch { return .body(.failure(error)) }
            }
            if let timeout = task.timeout {
                group.addTask {
                    do {
                        try await Task.sleep(for: timeout)
                        return .deadline
                    } catch {
                        return .deadlineCancelled
                    }
                }
            }
            var timedOut = false
            var outcome: AttemptResult = .cancelled
            while let next = await group.next() {
                switch next {
                case .deadline:
                    timedOut = true
                    group.cancelAll()
                case .deadlineCancelled:
                    continue
                case let .body(result):
                    group.cancelAll()
                    switch result {
                    case let .success(output):
                        // Finished although the deadline had passed: its work completed before the
                        // stop took effect (e.g. a COMMIT that landed), so it must not run again on top.
                        if timedOut { context.log.write("== orch: the deadline passed, but the work had already completed") }
                        outcome = .succeeded(output)
                    case .failure where timedOut: outcome = .timedOut(task.timeout ?? .zero)
                    case .failure where Task.isCancelled: outcome = .cancelled
                    case let .failure(error as TaskFailure): outcome = .failed(error)
                    case let .failure(error as any TaskFailureConvertible): outcome = .failed(error.taskFailure(doing: nil))
                    case .failure(is CancellationError): outcome = .cancelled
                    case let .failure(error):
                        outcome = .failed(TaskFailure(.internalError, String(describing: error), retryable: false))
                    }
                }
            }
            return outcome
        }
    }
}
