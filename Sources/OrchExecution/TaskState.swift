/// The life of one task in one run.
public enum TaskState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case running
    case succeeded
    case failed
    /// Not run because something it depends on failed.
    case upstreamFailed = "upstream_failed"
    /// Not run because the run stopped early (`--fail-fast`).
    case skipped
    /// Stopped by a cancellation (Ctrl-C, SIGTERM) or never started because of one.
    case cancelled

    public var isFinal: Bool {
        switch self {
        case .pending, .running: return false
        default: return true
        }
    }
}

/// The outcome of a whole run.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    case succeeded
    case failed
    case cancelled
    /// Its owner died without finishing it (found later by an expired heartbeat).
    case crashed
}

/// How one attempt of a task ended.
public enum AttemptStatus: String, Sendable, Hashable, Codable {
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case cancelled
}
