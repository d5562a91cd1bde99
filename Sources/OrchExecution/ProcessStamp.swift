import Foundation

/// Names one process for good. A pid alone does not: pids are reused, and
/// the same number means another process on another machine or in another
/// pid namespace. A stamp adds where the pid is valid (the kernel's boot id
/// and the pid namespace) and when the process started (field 22 of
/// `/proc/PID/stat`, clock ticks after boot), so "the process with this
/// stamp is gone" can be proven instead of guessed from a heartbeat.
///
/// Linux only (it reads `/proc`); elsewhere there are no stamps and callers
/// fall back to waiting for the heartbeat to expire.
public struct ProcessStamp: Sendable, Hashable, CustomStringConvertible {
    /// Boot id and pid namespace: pids with the same space name the same processes.
    public var space: String
    public var startTicks: UInt64

    public init(space: String, startTicks: UInt64) {
        self.space = space
        self.startTicks = startTicks
    }

    /// As stored: `SPACE START`.
    public var description: String { "\(space) \(startTicks)" }

    /// Reads back `description`.
    public init?(text: String) {
        guard let cut = text.lastIndex(of: " "), let ticks = UInt64(text[text.index(after: cut)...]) else { return nil }
        self.init(space: String(text[..<cut]), startTicks: ticks)
    }

    /// This machine's (and pid namespace's) space, or nil without `/proc`.
    public static let currentSpace: String? = {
        guard let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
              let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid") else { return nil }
        return boot.trimmingCharacters(in: .whitespacesAndNewlines) + ":" + namespace
    }()

    /// This process's stamp.
    public static let current: ProcessStamp? = of(pid: getpid())

    /// The stamp of process `pid` now, or nil if there is none (or no `/proc`).
    /// A zombie (exited, not yet reaped) still has its stamp: see `ProcStat.isZombie`.
    public static func of(pid: Int32) -> ProcessStamp? {
        guard let space = currentSpace, let stat = ProcStat(pid: pid) else { return nil }
        return ProcessStamp(space: space, startTicks: stat.startTicks)
    }

    /// Whether the process `pid` that had this stamp still runs. Only
    /// answerable in the same space; a zombie counts as gone (it does no work).
    public func liveness(pid: Int32) -> ProcessLiveness {
        guard space == Self.currentSpace else { return .unknown }
        guard let stat = ProcStat(pid: pid), stat.startTicks == startTicks, !stat.isZombie else { return .gone }
        return .alive
    }
}

/// What can be said about a recorded process from here.
public enum ProcessLiveness: Sendable, Hashable {
    case alive
    /// Provably not running any more: its pid is free, reused, or a zombie.
    case gone
    /// Another machine or pid namespace (or no `/proc`): only a heartbeat can tell.
    case unknown

    /// The liveness of a run's recorded owner. With a stamp it is exact; a
    /// row without one (written by an older orch, or not on Linux) can only
    /// be proven gone on the same host, by `kill(pid, 0)` failing with ESRCH.
    public static func of(host: String?, pid: Int?, stamp: String?) -> ProcessLiveness {
        guard let pid, let pid32 = Int32(exactly: pid) else { return .unknown }
        if let stamp = stamp.flatMap(ProcessStamp.init(text:)) { return stamp.liveness(pid: pid32) }
        if host == ProcessInfo.processInfo.hostName, kill(pid32, 0) == -1, errno == ESRCH { return .gone }
        return .unknown
    }
}

/// The few fields of `/proc/PID/stat` orch needs.
struct ProcStat {
    var state: Character
    var processGroup: Int32
    var startTicks: UInt64

    var isZombie: Bool { state == "Z" || state == "X" }

    init?(pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        self.init(text: text)
    }

    /// `PID (COMM) STATE PPID PGRP …`: COMM may hold spaces and parentheses,
    /// so fields are counted from the last `)`; field 3 is then index 0.
    init?(text: String) {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let group = Int32(fields[2]), let start = UInt64(fields[19]) else { return nil }
        self.state = state
        self.processGroup = group
        self.startTicks = start
    }
}
