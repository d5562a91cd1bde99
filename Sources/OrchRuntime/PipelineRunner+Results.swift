import Foundation
import OrchExecution
import OrchStore

extension PipelineRunner {
    /// Reads the finished run back and writes it to `run_results.json` in its
    /// folder (as dbt's `run_results.json`); a failure is a warning, never the run's.
    func writeResults(runID: String, runs: any RunStore, folder: RunDirectory) async -> RunResultsJSON? {
        let results: RunResultsJSON
        do {
            guard let detail = try await runs.detail(runID) else { return nil }
            results = RunResultsJSON(detail)
        } catch {
            FileHandle.standardError.write(Data("orch: could not read back run \(runID) for run_results.json: \(StoreError.describe(error))\n".utf8))
            return nil
        }
        do {
            try results.encoded().write(to: URL(fileURLWithPath: folder.runResults), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("orch: warning: could not write \(folder.runResults): \(error.localizedDescription)\n".utf8))
        }
        return results
    }
}
