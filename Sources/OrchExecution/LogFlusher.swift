import Foundation
import Synchronization

/// Puts on disk the log of every attempt that has gone on for longer than
/// `after`, so that `orch logs -f` (and `tail -f`) see a long attempt while
/// it runs. A short attempt that succeeds is over before that and never
/// costs a folder and a file (see `AttemptLog`).
final class LogFlusher: Sendable {
    let after: Duration
    private let open = Mutex<[ObjectIdentifier: (log: AttemptLog, since: ContinuousClock.Instant)]>([:])

    init(after: Duration = .milliseconds(250)) {
        self.after = after
    }

    func track(_ log: AttemptLog) {
        open.withLock { $0[ObjectIdentifier(log)] = (log, .now) }
    }

    func untrack(_ log: AttemptLog) {
        _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(log)) }
    }

    /// Every `after`, puts the logs that are due on disk; until cancelled.
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: after) } catch { return }
            let now = ContinuousClock.now
            let due = open.withLock { logs in
                let due = logs.filter { now - $0.value.since >= after }
                for key in due.keys { logs[key] = nil }
                return due.values.map(\.log)
            }
            // A failure is remembered by the log, and fails a success (as a failed write does).
            for log in due { _ = try? log.materialize() }
        }
    }
}
