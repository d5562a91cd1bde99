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
        result.folders = result.folders.filter { isRunFolder($0, home: home) }
        if !dryRun {
            for folder in result.folders { try? FileManager.default.removeItem(atPath: folder) }
        }
        return result
    }

    /// `HOME/<pipeline>/<run id>`, symlinks resolved, and a real directory.
    static func isRunFolder(_ path: String, home: String) -> Bool {
        let resolvedHome = URL(fileURLWithPath: home).standardizedFileURL.resolvingSymlinksInPath().path
        let folder = URL(fileURLWithPath: path).standardizedFileURL
        let pipelineFolder = folder.deletingLastPathComponent().resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard pipelineFolder.deletingLastPathComponent().path == resolvedHome,
              (try? FileManager.default.destinationOfSymbolicLink(atPath: folder.path)) == nil,
              FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
        let id = folder.lastPathComponent
        return id.count == 22 && id.allSatisfy { $0.isNumber || $0 == "-" || ("a"..."f").contains($0) }
    }
}
