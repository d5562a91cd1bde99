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

/// The stored text and the printed text of a state are one (`upstream_failed`,
/// `timed_out`), whether it is interpolated, encoded or written to a row.
extension TaskState: CustomStringConvertible, CodingKeyRepresentable { public var description: String { rawValue } }
extension RunStatus: CustomStringConvertible { public var description: String { rawValue } }
extension AttemptStatus: CustomStringConvertible { public var description: String { rawValue } }

/// Reading a state back from a store. A state this build does not know (a
/// newer orch wrote it) loads as `failed`: not a success that hides a
/// problem, and not running, so nothing waits on it; loading never fails.
public protocol StoredState: RawRepresentable<String> {
    static var unknownStoredState: Self { get }
}

extension StoredState {
    public init(storedText text: String) { self = Self(rawValue: text) ?? Self.unknownStoredState }
}

extension TaskState: StoredState { public static var unknownStoredState: TaskState { .failed } }
extension RunStatus: StoredState { public static var unknownStoredState: RunStatus { .failed } }
extension AttemptStatus: StoredState { public static var unknownStoredState: AttemptStatus { .failed } }
