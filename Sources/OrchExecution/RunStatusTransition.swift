/// Which run status may move to which, and who moves it (as Prefect's
/// orchestration policy): the one table every `RunStore` consults. Each
/// store write that changes a run's status names its transition; the
/// Postgres store's `WHERE status …` conditions are generated from it.
public enum RunStatusTransition: String, Sendable, Hashable, CaseIterable {
    /// The owner ends its run (`finish`).
    case finish
    /// The crash sweep gives up on an owner that is gone (`markCrashed`).
    case crash
    /// `orch retry` takes a stopped run over (`reopen`): it runs again.
    case reopen

    /// The statuses this transition starts from.
    public var from: [RunStatus] {
        switch self {
        case .finish, .crash: return [.running]
        case .reopen: return [.failed, .cancelled, .crashed]
        }
    }

    /// The statuses it may end in.
    public var to: [RunStatus] {
        switch self {
        case .finish: return [.succeeded, .failed, .cancelled]
        case .crash: return [.crashed]
        case .reopen: return [.running]
        }
    }

    /// Who carries it out.
    public var actor: String {
        switch self {
        case .finish: return "the run's owner"
        case .crash: return "the crash sweep"
        case .reopen: return "orch retry"
        }
    }

    /// Whether this transition moves a run from `from` to `to`.
    public func allows(from: RunStatus, to: RunStatus) -> Bool {
        self.from.contains(from) && self.to.contains(to)
    }

    /// The transition, if any, that moves a run from `from` to `to`.
    public static func between(_ from: RunStatus, _ to: RunStatus) -> RunStatusTransition? {
        allCases.first { $0.allows(from: from, to: to) }
    }
}

extension RunStatus {
    /// The only status in which a run is at work: its owner writes task
    /// states, attempts and its end only while the run is in it, and the
    /// crash sweep looks only at it.
    public static let active: RunStatus = .running

    /// Stopped without success: what `orch retry` may take over and `orch report` reports on.
    public static let unsuccessful: [RunStatus] = RunStatusTransition.reopen.from

    /// Stopped for good (every status a run can end in).
    public var isFinal: Bool { self != Self.active }

    /// What `prune` may delete: every final status, or (`keepFailed`) only
    /// those that need no one's attention.
    public static func prunable(keepFailed: Bool) -> [RunStatus] {
        let final = allCases.filter(\.isFinal)
        return keepFailed ? final.filter { $0 == .succeeded || $0 == .cancelled } : final
    }
}
