import Foundation
import OrchStore

/// `orch prune` and the scheduler's daily `--retention`: old runs out of the
/// database (in batches) and their folders off the disk.
public enum Retention {
    public static func prune(store: Store, before: Date, keepFailed: Bool, dryRun: Bool) async throws -> PruneResult {
        let result = try await store.runs.prune(before: before, keepFailed: keepFailed, dryRun: dryRun)
        if !dryRun {
            for folder in result.folders where folder.count > 1 { try? FileManager.default.removeItem(atPath: folder) }
        }
        return result
    }
}
