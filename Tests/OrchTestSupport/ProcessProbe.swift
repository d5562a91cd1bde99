import Foundation

/// Whether a process a test started (or that a task left behind) still runs.
public enum ProcessProbe {
    /// Gone: no such process, or a zombie (it still answers `kill(0)` until reaped).
    public static func isGone(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return kill(pid, 0) != 0 || stat.contains(") Z ")
    }

    /// Polls until `pid` is gone, for at most `seconds` (room for a loaded machine);
    /// SIGKILLs it if it is not, so a failed test leaves nothing running.
    public static func waitUntilGone(_ pid: Int32, seconds: Double = 10) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !isGone(pid) {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                return false
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
