import Foundation
import OrchSpec
import Synchronization

extension InMemoryRunStore {
    /// The sweep, as the Postgres store's `markCrashed` does it: a provably
    /// gone owner is dead at once and loses its token; a provably live one
    /// never is; any other when its heartbeat is older than `expiry`.
    @discardableResult
    public func markCrashed(expiry: Duration) async throws -> [CrashedRun] {
        let now = clock()
        return state.withLock { s in
            var crashed: [CrashedRun] = []
            for (id, row) in s.runs.sorted(by: { $0.key < $1.key }) where row.run.status == .active {
                let beat = row.heartbeatAt.map { $0.ISO8601Format() } ?? "?"
                let (host, pid) = (row.run.host ?? "?", row.run.pid.map(String.init) ?? "?")
                let message: String
                var letGo = false
                switch ProcessLiveness.of(host: row.run.host, pid: row.run.pid, stamp: row.ownerProcess) {
                case .alive:
                    continue
                case .gone:
                    message = "the orch process died (pid \(pid) on \(host) is gone; last heartbeat \(beat))"
                    letGo = true
                case .unknown:
                    guard row.heartbeatAt.map({ now.timeIntervalSince($0) > expiry.seconds }) ?? true else { continue }
                    message = "the orch process died (last heartbeat \(beat) on \(host), pid \(pid))"
                }
                s.crash(id, message: message, at: now, letGo: letGo)
                crashed.append(CrashedRun(id: id, message: message))
            }
            return crashed
        }
    }

    public func heartbeat(run: String, token: String) async throws -> RunOwnership {
        let now = clock()
        let found = state.withLock { s -> RunOwnership? in
            guard let row = s.runs[run], row.ownerToken == token else { return nil }
            s.runs[run]?.heartbeatAt = now
            return .holder(row.run.status, message: row.run.message)
        }
        if let found { return found }
        return try await ownership(run: run, token: token)
    }

    public func ownership(run: String, token: String) async throws -> RunOwnership {
        state.withLock { s in
            guard let row = s.runs[run] else { return .missing }
            return .of(token: token, owner: row.ownerToken, status: row.run.status, message: row.run.message,
                       host: row.run.host, pid: row.run.pid)
        }
    }

    public func release(run: String, token: String) async throws {
        state.withLock { s in
            guard let row = s.runs[run], row.ownerToken == token, row.run.status != .active else { return }
            s.runs[run]?.ownerToken = nil
        }
    }

    public func liveOwner(run: String, expiry: Duration) async throws -> LiveOwner? {
        let now = clock()
        return state.withLock { s in
            guard let row = s.runs[run], row.run.status != .active, row.ownerToken != nil,
                  let beat = row.heartbeatAt, now.timeIntervalSince(beat) < expiry.seconds,
                  ProcessLiveness.of(host: row.run.host, pid: row.run.pid, stamp: row.ownerProcess) != .gone else { return nil }
            return LiveOwner(host: row.run.host, pid: row.run.pid)
        }
    }

    public func reopen(run: String, owner: RunOwner) async throws {
        let now = clock()
        try state.withLock { s in
            guard var row = s.runs[run], RunStatusTransition.reopen.allows(from: row.run.status, to: .active) else {
                throw RunStoreError.notReopenable(run)
            }
            // The session that ends here counts as work; a crashed one ended at its last heartbeat.
            let ended = row.run.status == .crashed ? min(row.heartbeatAt ?? now, row.run.finishedAt ?? now) : (row.run.finishedAt ?? now)
            row.run.earlierWork += max(0, ended.timeIntervalSince(row.run.resumedAt ?? row.run.startedAt))
            row.run.resumedAt = now
            row.run.status = .active
            row.run.finishedAt = nil
            row.run.message = nil
            row.run.host = owner.host
            row.run.pid = Int(owner.pid)
            row.heartbeatAt = now
            row.ownerToken = owner.token
            row.ownerProcess = owner.stamp?.description
            s.runs[run] = row
            for (task, var t) in s.tasks[run] ?? [:] {
                for i in t.task.attempts.indices where t.task.attempts[i].status == .running {
                    t.task.attempts[i].fail(.crashed, RunStatusTransition.reopenedAttemptError, at: now)
                }
                if t.task.state != .succeeded {
                    t.task.state = .pending
                    t.task.message = nil
                    t.task.finishedAt = nil
                }
                s.tasks[run]?[task] = t
            }
        }
    }
}

extension InMemoryRunStore.State {
    /// A crashed run: its running attempts and tasks fail with the reason, its pending tasks are cancelled.
    mutating func crash(_ id: String, message: String, at now: Date, letGo: Bool) {
        runs[id]?.run.status = RunStatusTransition.crash.to[0]
        runs[id]?.run.finishedAt = now
        runs[id]?.run.message = message
        if letGo { runs[id]?.ownerToken = nil }
        for (task, var t) in tasks[id] ?? [:] {
            for i in t.task.attempts.indices where t.task.attempts[i].status == .running {
                t.task.attempts[i].fail(.crashed, message, at: now)
            }
            switch t.task.state {
            case .running: t.task.state = .failed
            case .pending: t.task.state = .cancelled
            default: continue
            }
            t.task.message = message
            t.task.finishedAt = now
            tasks[id]?[task] = t
        }
    }
}

extension StoredAttempt {
    /// An attempt its owner lost before it ended.
    mutating func fail(_ errorClass: ErrorClass, _ error: String, at: Date) {
        status = .failed
        finishedAt = at
        self.errorClass = errorClass
        self.error = error
    }
}

extension RunStatusTransition {
    /// What an attempt left running by the previous owner of a reopened run says.
    public static let reopenedAttemptError = "its orch process lost the run before the attempt ended (taken over by orch retry)"
}
