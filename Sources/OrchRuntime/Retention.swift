import Foundation
import OrchExecution
import OrchStore

/// `orch prune` and the scheduler's daily `--retention`: old runs out of the
/// database (in batches) and their folders off the disk.
public enum Retention {
    /// - Parameter home: run folders are deleted only inside it (default: `ORCH_HOME`).
    public static func prune(store: Store, before: Date, keepFailed: Bool, dryRun: Bool,
                             home: String = OrchEnvironment().home) async throws -> PruneResult {
        try await prune(runs: store.runs, before: before, keepFailed: keepFailed, dryRun: dryRun, home: home)
    }

    public static func prune(runs: any RunStore, before: Date, keepFailed: Bool, dryRun: Bool,
                             home: String = OrchEnvironment().home) async throws -> PruneResult {
        var result = try await runs.prune(before: before, keepFailed: keepFailed, dryRun: dryRun)
        // A run row's folder is data, not an instruction: delete only what is a run folder under home.
        result.folders = result.folders.filter { RunDirectory.isRunFolder($0, home: home) }
        if !dryRun {
            for folder in result.folders { try? FileManager.default.removeItem(atPath: folder) }
        }
        return result
    }
}
