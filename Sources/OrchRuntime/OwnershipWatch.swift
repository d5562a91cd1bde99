import Foundation
import OrchExecution
import OrchStore
import Synchronization
import OrchPostgres

/// Keeps a running run honest about who owns it. The heartbeat, every
/// refused write and the check before each attempt report what the
/// database says; once the run is no longer this process's (taken over by
/// `orch retry`, or marked crashed by a sweep that gave up on us), the run
/// is stopped here, no new attempt starts, and nothing more is recorded.
final class OwnershipWatch: Sendable {
    let runID: String
    let token: String
    let runs: any RunStore
    let stop: StopSignal
    private let lostReason = Mutex<String?>(nil)
    /// When the database last said the run is ours: a write it took under
    /// our token (the recorder's batches check ownership in their
    /// transaction), a heartbeat or an admission check.
    private let confirmedAt = Mutex<ContinuousClock.Instant?>(nil)

    /// How long a confirmation admits attempts without asking again. A chain
    /// of quick tasks is confirmed by the recorder's own commits and costs
    /// no round trip per attempt; a process frozen (SIGSTOP) or cut off for
    /// longer asks before its next attempt, and learns it lost the run.
    static let confirmationFreshness = Duration.milliseconds(250)

    init(runID: String, token: String, runs: any RunStore, stop: StopSignal) {
        self.runID = runID
        self.token = token
        self.runs = runs
        self.stop = stop
    }

    /// Why this process lost the run, once it did.
    var lost: String? { lostReason.withLock { $0 } }

    /// Acts on what the database says about the run.
    func observe(_ ownership: RunOwnership) {
        // Already stopping (Ctrl-C, SIGTERM): this run's own last writes may be refused once it is
        // recorded finished; that is not a takeover, and the stop's own exit code stands.
        if stop.reason != nil, lost == nil { return }
        switch ownership {
        case .owned, .missing:
            // Missing: the run's first write may still wait behind an outage; nobody else can hold it.
            return
        case let .notRunning(status, message):
            lose("run \(runID) was marked \(status.rawValue) by another orch process\(message.map { " (\($0))" } ?? ""); "
                 + "stopping its tasks here and leaving the run as recorded; `orch retry \(runID)` resumes it")
        case let .takenOver(host, pid):
            // The row names this very process: not another owner, whatever the token says.
            if host == ProcessInfo.processInfo.hostName, pid == Int(ProcessInfo.processInfo.processIdentifier) { return }
            lose("run \(runID) was taken over by another orch process (pid \(pid.map(String.init) ?? "?") on \(host ?? "?"), "
                 + "`orch retry`); stopping its tasks here, recording nothing more")
        }
    }

    /// The database took a write under our token that was sent at `instant`.
    func confirmed(at instant: ContinuousClock.Instant) {
        confirmedAt.withLock { $0 = max($0 ?? instant, instant) }
    }

    /// Asks the database, after a write was refused.
    func recheck() async {
        if let ownership = try? await runs.ownership(run: runID, token: token) { observe(ownership) }
    }

    /// The executor's admission check: nil lets the attempt start. Unless the
    /// run was confirmed ours within `confirmationFreshness`, it asks the
    /// database, but never holds an attempt back for long: with the database
    /// unreachable (or slow) tasks go on, as through any outage, and the
    /// heartbeat tells once it is back.
    func admit(within limit: Duration = .seconds(2)) async -> String? {
        if let lost { return lost }
        let now = ContinuousClock.now
        if let confirmed = confirmedAt.withLock({ $0 }), now - confirmed < Self.confirmationFreshness { return nil }
        let (runID, token, runs) = (self.runID, self.token, self.runs)
        if let ownership = try? await abandonable(limit: limit, stopsOnCancel: false, { try await runs.ownership(run: runID, token: token) }) {
            observe(ownership, askedAt: now)
        }
        return lost
    }

    func heartbeat(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            let now = ContinuousClock.now
            if let ownership = try? await runs.heartbeat(run: runID, token: token) { observe(ownership, askedAt: now) }
        }
    }

    private func observe(_ ownership: RunOwnership, askedAt: ContinuousClock.Instant) {
        if case .owned = ownership { confirmed(at: askedAt) }
        observe(ownership)
    }

    private func lose(_ reason: String) {
        let first = lostReason.withLock { r -> Bool in
            guard r == nil else { return false }
            r = reason
            return true
        }
        guard first else { return }
        FileHandle.standardError.write(Data("orch: \(reason)\n".utf8))
        stop.request(reason)
    }
}
