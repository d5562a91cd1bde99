import Foundation
import Synchronization

/// The process groups of the task processes running now (each `command`
/// task runs in a session of its own, so its group id is its pid). Kept so
/// that an exit that cannot wait for a clean stop (a second Ctrl-C) still
/// takes every task's process tree with it instead of leaving it orphaned.
public enum ChildProcessGroups {
    private static let live = Mutex<Set<Int32>>([])

    public static func register(_ group: Int32) { live.withLock { _ = $0.insert(group) } }
    public static func unregister(_ group: Int32) { live.withLock { _ = $0.remove(group) } }

    /// SIGKILL to every registered group; for the moment before `exit`.
    public static func killAll() {
        for group in live.withLock({ $0 }) where group > 1 { kill(-group, SIGKILL) }
    }
}
