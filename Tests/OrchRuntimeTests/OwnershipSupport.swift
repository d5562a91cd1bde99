import Foundation
import OrchStore
import OrchTestSupport

/// Helpers for tests that kill, freeze and take over orch processes.
enum Ownership {
    /// A command task that proves it never runs beside itself: it holds an
    /// exclusive `flock` on `lock` for as long as its process tree lives
    /// (the descriptor is inherited by `sleep`, and the kernel drops the
    /// lock when the last holder dies, even by SIGKILL). Attempt 1 sleeps
    /// `firstSleep` seconds, later attempts 1 s. Each attempt appends its
    /// process group to `groups`, for the test to clean up whatever happens.
    static func lockingPipeline(lock: String, groups: String, firstSleep: Int) -> String {
        """
        name: owned
        tasks:
          - id: work
            kind: command
            command: |
              echo $$ >> "\(groups)"
              exec 9>>"\(lock)"
              if ! flock -n 9; then echo "CONCURRENT: attempt $ORCH_ATTEMPT found the task already running"; exit 9; fi
              echo "attempt $ORCH_ATTEMPT holds the lock"
              if [ "$ORCH_ATTEMPT" = 1 ]; then sleep \(firstSleep); else sleep 1; fi
              echo "attempt $ORCH_ATTEMPT done"
        """
    }

    /// The process's result if it exits within `seconds`; otherwise it is killed and nil.
    static func exit(of process: RunningProcess, within seconds: Double) async -> ProcessResult? {
        await withTaskGroup(of: ProcessResult?.self) { group in
            group.addTask { await process.wait() }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll() // a still-running wait kills the process when cancelled
            return first
        }
    }

    /// Waits until `path` exists and contains `text`, for at most `seconds`.
    static func waitFor(_ text: String, in path: String, seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let content = try? String(contentsOfFile: path, encoding: .utf8), content.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Whether `condition` holds within `seconds`, asked every 50 ms.
    static func eventually(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Pids of the live (not zombie) processes in process group `group`, from /proc.
    static func liveMembers(ofGroup group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[2]) == group && fields[0] != "Z"
        }
    }

    /// Kills what a test left behind in `groups`, whatever happened: only
    /// processes whose environment names `marker` (the test's folder, which
    /// is in the ORCH_HOME every command inherits), never a group by number,
    /// since a group that is gone may have handed its number to a stranger.
    static func killLeftovers(_ groups: [Int32], marker: String) {
        for g in groups where g > 1 {
            for pid in liveMembers(ofGroup: g) {
                guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                      String(decoding: environ, as: UTF8.self).contains(marker) else { continue }
                kill(pid, SIGKILL)
            }
        }
    }

    /// The process groups listed in `file`, one a line.
    static func groups(in file: String) -> [Int32] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }
}
