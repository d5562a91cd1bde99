import Foundation

/// Which runs `orch status` lists: every condition set must hold. Applied by
/// the store (in SQL for Postgres), so a filter never reads every run.
public struct RunFilter: Sendable, Hashable {
    public var pipeline: String?
    public var status: RunStatus?
    /// Runs started at or after this.
    public var since: Date?
    public var trigger: TriggerMatch?
    /// Runs started strictly before this (with `since`, one day of runs).
    public var before: Date?
    /// Runs listed after this run id, in the newest-first order (start time, then id): the next page,
    /// one range scan of the start-time index however deep it is. A cursor run that is gone matches nothing.
    public var olderThan: String?

    public init(pipeline: String? = nil, status: RunStatus? = nil, since: Date? = nil, trigger: TriggerMatch? = nil, before: Date? = nil,
                olderThan: String? = nil) {
        self.pipeline = pipeline
        self.status = status
        self.since = since
        self.trigger = trigger
        self.before = before
        self.olderThan = olderThan
    }

    /// Whether `run` comes after `cursor` in the newest-first order.
    public static func isOlder(_ run: StoredRun, than cursor: StoredRun) -> Bool {
        (run.startedAt, run.id) < (cursor.startedAt, cursor.id)
    }

    /// Whether `run` passes (the in-memory store's filter; Postgres says the same in SQL); `olderThan` is the caller's to apply.
    public func matches(_ run: StoredRun) -> Bool {
        (pipeline == nil || run.pipeline == pipeline) && (status == nil || run.status == status)
            && (since.map { run.startedAt >= $0 } ?? true) && (before.map { run.startedAt < $0 } ?? true)
            && (trigger?.matches(run.trigger) ?? true)
    }
}

/// A trigger as `--trigger` names it: a kind (`manual`, `schedule`,
/// `backfill`, `retry`) or a kind with its schedule (`schedule:nightly`).
public struct TriggerMatch: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case manual, schedule, backfill, retry
    }

    public var kind: Kind
    /// The schedule (or the retried run) it must name; nil: any.
    public var name: String?

    public init(kind: Kind, name: String? = nil) {
        self.kind = kind
        self.name = name
    }

    /// `manual`, `schedule`, `schedule:NAME`, `backfill`, `backfill:NAME`, `retry`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let kind = Kind(rawValue: first) else { return nil }
        let name = parts.count == 2 ? parts[1] : nil
        guard name == nil || (kind != .manual && !name!.isEmpty) else { return nil }
        self.init(kind: kind, name: name)
    }

    public var description: String { name.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }

    /// The stored trigger text it must equal, or else the prefix it must start with.
    public var storedText: (exact: String?, prefix: String?) {
        switch (kind, name) {
        case (.manual, _): return ("manual", nil)
        case let (_, name?): return ("\(kind.rawValue):\(name)", nil)
        case (_, nil): return (nil, "\(kind.rawValue):")
        }
    }

    public func matches(_ trigger: String) -> Bool {
        let (exact, prefix) = storedText
        if let exact { return trigger == exact }
        return prefix.map { trigger.hasPrefix($0) } ?? true
    }
}
