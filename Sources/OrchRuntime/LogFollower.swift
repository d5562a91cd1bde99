import Foundation
import OrchExecution

/// `orch logs RUN [TASK] -f`: prints the running attempt's log as it grows
/// (like `tail -f`), moves on to the next attempt when the task is retried,
/// and ends once the task (or, without a task, the run) is in a final state.
/// It reads the run from the store, so it works from any shell while the
/// run goes on in another; every wait is bounded by the poll interval, and
/// a run whose owner died is marked crashed, which ends it too.
public struct LogFollower: Sendable {
    public var runID: String
    /// Only this task; nil: every task, each line prefixed with its task id.
    public var task: String?
    public var pollInterval = Duration.milliseconds(200)
    /// How often a run that seems to go on is checked for a dead owner.
    public var crashCheckInterval = Duration.seconds(5)
    public var heartbeatExpiry: Duration

    public init(runID: String, task: String?, heartbeatExpiry: Duration) {
        self.runID = runID
        self.task = task
        self.heartbeatExpiry = heartbeatExpiry
    }

    /// Where one attempt's log has been read to.
    struct Cursor {
        var attempt: Int
        var path: String
        var offset: UInt64 = 0
    }

    /// Follows until the end; `write` gets whole lines, each with its newline.
    /// - Throws: `RunStoreError.notFound` when the run is gone (pruned meanwhile).
    public func follow(runs: any RunStore, write: @Sendable (String) -> Void) async throws {
        var cursors: [String: Cursor] = [:]
        var lastCrashCheck = ContinuousClock.now
        while true {
            guard let detail = try await runs.detail(runID) else { throw RunStoreError.notFound(runID) }
            let tasks = detail.tasks.filter { task == nil || $0.taskID == task }
            let ended = task == nil ? detail.run.status.isFinal : tasks.allSatisfy(\.state.isFinal) || detail.run.status.isFinal
            for t in tasks {
                guard let latest = t.attempts.last else { continue }
                if let cursor = cursors[t.taskID], cursor.attempt != latest.attempt {
                    // The attempt before ended: what it wrote last, then the next one.
                    let before = t.attempts.first { $0.attempt == cursor.attempt }
                    emit(read(cursor, toEnd: true, stored: before?.logTail).lines, task: t.taskID, write)
                    cursors[t.taskID] = nil
                }
                if cursors[t.taskID] == nil {
                    write(prefix(t.taskID) + "==> \(t.taskID) attempt \(latest.attempt) \(latest.logPath) <==\n")
                    cursors[t.taskID] = Cursor(attempt: latest.attempt, path: latest.logPath)
                }
                // Once the end is known, the files are complete: read them whole, last line too.
                let over = latest.finishedAt != nil
                let (lines, offset) = read(cursors[t.taskID]!, toEnd: ended || over, stored: over ? latest.logTail : nil)
                cursors[t.taskID]!.offset = offset
                emit(lines, task: t.taskID, write)
            }
            if ended { return }
            if ContinuousClock.now - lastCrashCheck >= crashCheckInterval {
                try await runs.markCrashed(expiry: heartbeatExpiry)
                lastCrashCheck = .now
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    private func prefix(_ taskID: String) -> String { task == nil ? "\(taskID) | " : "" }

    private func emit(_ lines: [String], task taskID: String, _ write: @Sendable (String) -> Void) {
        guard !lines.isEmpty else { return }
        write(lines.map { prefix(taskID) + $0 + "\n" }.joined())
    }

    /// The whole lines past the cursor and the offset after them; a last
    /// line without its newline waits for the next read, unless `toEnd`.
    /// `stored`: the ended attempt's stored tail, shown when it has no file
    /// (a short attempt that succeeded logs only there).
    func read(_ cursor: Cursor, toEnd: Bool, stored: String? = nil) -> (lines: [String], offset: UInt64) {
        guard let h = FileHandle(forReadingAtPath: cursor.path) else {
            guard toEnd, cursor.offset == 0, let stored, !stored.isEmpty else { return ([], cursor.offset) }
            var lines = stored.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return (lines, UInt64(stored.utf8.count))
        }
        defer { try? h.close() }
        guard (try? h.seek(toOffset: cursor.offset)) != nil, let data = try? h.readToEnd(), !data.isEmpty else { return ([], cursor.offset) }
        var usable = data
        if !toEnd {
            guard let newline = data.lastIndex(of: UInt8(ascii: "\n")) else { return ([], cursor.offset) }
            usable = data[data.startIndex...newline]
        }
        var lines = String(decoding: usable, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return (lines, cursor.offset + UInt64(usable.count))
    }
}

extension RunStore {
    /// A run id from what the user typed: `latest` (the most recent run), an id, or a unique prefix of one.
    /// - Throws: `RunStoreError` when nothing (or several runs) match.
    public func resolveRun(_ text: String) async throws -> String {
        guard text == "latest" else { return try await resolve(text) }
        guard let run = try await list(pipeline: nil, limit: 1).first else {
            throw RunStoreError("no runs yet, so no `latest`; start one with `orch run PIPELINE.yml`")
        }
        return run.id
    }
}
