import Foundation

/// Stops what is left of an earlier attempt's command: each command runs in
/// its own session and process group, recorded with its leader's stamp, so
/// after its orch died (`kill -9`) the group can be found again and stopped
/// before `orch retry` runs the task on top of it.
public enum ProcessGroupReaper {
    /// A recorded process group: its id (the leader's pid) and the leader's stamp.
    public struct Group: Sendable, Hashable {
        public var id: Int32
        public var leader: ProcessStamp
        public init(id: Int32, leader: ProcessStamp) {
            self.id = id
            self.leader = leader
        }
    }

    /// The live (non-zombie) members of `group` if it is still the recorded
    /// one. Linux keeps a pid number allocated while any process has it as
    /// its process group, so: if the leader's pid is free, any members of a
    /// group with that id are the old group's; if the pid is taken by a
    /// process with another stamp, the old group is empty and the number now
    /// belongs to someone else, who must not be touched.
    public static func liveMembers(of group: Group) -> [Int32] {
        guard group.leader.space == ProcessStamp.currentSpace else { return [] }
        if let leader = ProcStat(pid: group.id), leader.startTicks != group.leader.startTicks { return [] }
        return members(ofGroup: group.id)
    }

    /// Sends SIGTERM to every group still alive, waits up to `grace` for them
    /// to go, then SIGKILL, and waits a little more. Returns the groups that
    /// had to be stopped (for the log).
    @discardableResult
    public static func stop(_ groups: [Group], grace: Duration = .seconds(5)) async -> [Group] {
        let alive = groups.filter { !liveMembers(of: $0).isEmpty }
        guard !alive.isEmpty else { return [] }
        for g in alive { kill(-g.id, SIGTERM) }
        if await waitUntilGone(alive, for: grace) { return alive }
        for g in alive where !liveMembers(of: g).isEmpty { kill(-g.id, SIGKILL) }
        _ = await waitUntilGone(alive, for: .seconds(2))
        return alive
    }

    private static func waitUntilGone(_ groups: [Group], for limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            if groups.allSatisfy({ liveMembers(of: $0).isEmpty }) { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Pids in process group `id`, zombies left out (they do no work, and
    /// an orphan's zombie may wait a while for its new parent to reap it).
    static func members(ofGroup id: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = ProcStat(pid: pid) else { return false }
            return stat.processGroup == id && !stat.isZombie
        }
    }
}
