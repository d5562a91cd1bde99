import Foundation

/// A state write from a process that does not own the run (any more): the
/// run was taken over by `orch retry`, or marked crashed, or has finished.
/// Refused, so that two processes never both record one run.
public struct RunWriteRefused: Error, Sendable, Hashable, CustomStringConvertible {
    public var run: String
    public init(run: String) { self.run = run }
    public var description: String { "run \(run) is not (or no longer) owned by this process; the write was refused" }
}

/// What a process that believes it owns a run finds in the store.
public enum RunOwnership: Sendable, Hashable {
    case owned
    /// Still this token's, but no longer running: the crash sweep (or an
    /// operator) gave up on this owner. Its verdict holds: the owner stops.
    case notRunning(status: RunStatus, message: String?)
    /// Another process holds the run now (`orch retry`).
    case takenOver(host: String?, pid: Int?)
    /// No such run (yet: its first write may still be queued behind an outage).
    case missing

    /// What the holder of the run's token finds in its status.
    public static func holder(_ status: RunStatus, message: String?) -> RunOwnership {
        status == .running ? .owned : .notRunning(status: status, message: message)
    }

    /// What `token` is to a run recorded with `owner` (nil: let go of) and `status`.
    public static func of(token: String, owner: String?, status: RunStatus, message: String?, host: String?, pid: Int?) -> RunOwnership {
        if owner == token { return holder(status, message: message) }
        // No owner: a crash sweep that proved an owner gone let go for it; any other
        // stopped run without one was finished by whoever took it over.
        if owner == nil, status == .crashed { return .notRunning(status: .crashed, message: message) }
        return .takenOver(host: host, pid: pid)
    }
}

/// A run the crash sweep marked crashed, and why.
public struct CrashedRun: Sendable, Hashable {
    public var id: String
    public var message: String
    public init(id: String, message: String) {
        self.id = id
        self.message = message
    }
}

/// The owner of a stopped run that may still be at work.
public struct LiveOwner: Sendable, Hashable {
    public var host: String?
    public var pid: Int?
    public init(host: String?, pid: Int?) {
        self.host = host
        self.pid = pid
    }
}

/// Store errors that are the user's to fix (a run id that matches nothing),
/// worded alike by every `RunStore`.
public struct RunStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    public static func notFound(_ run: String) -> RunStoreError {
        RunStoreError("no run `\(run)`; `orch status` lists recent runs")
    }

    static func noMatch(_ prefix: String) -> RunStoreError {
        RunStoreError("no run with id `\(prefix)`; `orch status` lists recent runs")
    }

    static func ambiguous(_ prefix: String, _ ids: [String]) -> RunStoreError {
        RunStoreError("`\(prefix)` matches several runs (\(ids.joined(separator: ", "))); give more of the id")
    }

    public static func notReopenable(_ run: String) -> RunStoreError {
        RunStoreError("run \(run) is no longer failed, cancelled or crashed (another retry may have taken it)")
    }

    /// What `resolve` answers for the ids matching a prefix (the exact id first, if any).
    public static func resolve(_ prefix: String, among ids: [String]) throws -> String {
        if ids.first == prefix { return prefix }
        guard !ids.isEmpty else { throw noMatch(prefix) }
        guard ids.count == 1 else { throw ambiguous(prefix, ids) }
        return ids[0]
    }
}
