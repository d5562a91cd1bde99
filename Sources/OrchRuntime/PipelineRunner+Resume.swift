import Foundation
import OrchExecution
import OrchSpec
import OrchStore
import OrchWarehouse

extension PipelineRunner {
    /// `orch retry`: runs a failed, cancelled or crashed run again under the
    /// same id, logical time and params; what succeeded stays succeeded, the
    /// rest runs as new attempts. It takes the run over with a new owner
    /// token; an earlier owner that may still be at work (marked crashed
    /// while alive) is given time to stop and let go first, and what is left
    /// of earlier commands on this machine is stopped before anything runs.
    public func resume(runID: String, store: Store, observers: [any RunObserver] = [], stop: StopSignal = StopSignal()) async throws -> Outcome {
        try await resume(runID: runID, runs: store.runs, warehouse: store.warehouse, observers: observers, stop: stop)
    }

    public func resume(runID: String, runs: any RunStore, warehouse: Warehouse?, observers: [any RunObserver] = [],
                       stop: StopSignal = StopSignal()) async throws -> Outcome {
        try await runs.markCrashed(expiry: environment.heartbeatExpiry)
        guard var detail = try await runs.detail(runID) else { throw RunStoreError.notFound(runID) }
        try Self.checkRetryable(detail)
        if try await waitForOwnerToLetGo(runID, runs: runs) {
            // Its last writes (attempts it started) landed meanwhile: number on from them.
            guard let again = try await runs.detail(runID) else { throw RunStoreError.notFound(runID) }
            try Self.checkRetryable(again)
            detail = again
        }
        var request = RunRequest(pipelinePath: detail.run.pipelineFile)
        request.params = detail.run.params
        request.logicalTime = detail.run.logicalTime
        request.runID = runID
        request.trigger = RunTrigger(text: detail.run.trigger)
        request.concurrency = concurrency
        return try await run(request, resuming: detail, runs: runs, warehouse: warehouse, observers: observers, stop: stop)
    }

    static func checkRetryable(_ detail: StoredRunDetail) throws {
        let run = detail.run
        switch run.status {
        case _ where RunStatusTransition.reopen.from.contains(run.status):
            break
        case .running:
            throw RunSetupError("run \(run.id) is running (owned by pid \(run.pid.map(String.init) ?? "?") on \(run.host ?? "?")); "
                                + "only failed, cancelled or crashed runs can be retried")
        default:
            throw RunSetupError("run \(run.id) is \(run.status); only failed, cancelled or crashed runs can be retried")
        }
        guard !detail.tasks.isEmpty else {
            throw RunSetupError("run \(run.id) never started\(run.message.map { " (\($0))" } ?? ""): there is nothing to retry. "
                                + "Fix the cause, then `\(RunReport.rerunCommand(run))` runs its logical time again")
        }
    }

    /// Waits while the run's earlier owner may still be at work; true if it
    /// waited. Such an owner notices at its next heartbeat that its run was
    /// marked crashed, stops its tasks and lets go; one that still heartbeats
    /// a whole expiry later does not, and the retry refuses rather than run
    /// the same tasks beside it.
    func waitForOwnerToLetGo(_ runID: String, runs: any RunStore) async throws -> Bool {
        let limit = environment.heartbeatExpiry + environment.heartbeatInterval
        let deadline = ContinuousClock.now + limit
        var waited = false
        while let owner = try await runs.liveOwner(run: runID, expiry: environment.heartbeatExpiry) {
            let who = "pid \(owner.pid.map(String.init) ?? "?") on \(owner.host ?? "?")"
            guard ContinuousClock.now < deadline else {
                throw RunSetupError("run \(runID)'s earlier owner (\(who)) still heartbeats but has not let go after \(DurationText.format(limit)); "
                                    + "stop that process, or wait, and retry again")
            }
            if !waited {
                FileHandle.standardError.write(Data("orch: run \(runID)'s earlier owner (\(who)) may still be at work; waiting for it to stop its tasks\n".utf8))
            }
            waited = true
            try await Task.sleep(for: .milliseconds(100))
        }
        return waited
    }

    /// Stops the process groups that earlier attempts' commands left running
    /// on this machine (their orch was killed, so nobody stopped them), so
    /// a task never runs twice at once.
    func stopLeftovers(of detail: StoredRunDetail) async {
        let rerun = detail.tasks.filter { $0.state != .succeeded }
        let groups = rerun.flatMap(\.attempts).compactMap { a -> ProcessGroupReaper.Group? in
            guard a.status != .succeeded, let id = a.processGroup.flatMap({ Int32(exactly: $0) }),
                  let leader = a.processStamp.flatMap(ProcessStamp.init(text:)) else { return nil }
            return ProcessGroupReaper.Group(id: id, leader: leader)
        }
        for group in await ProcessGroupReaper.stop(groups) {
            FileHandle.standardError.write(Data("orch: stopped process group \(group.id), left running by an earlier attempt of run \(detail.run.id)\n".utf8))
        }
    }
}
