import Foundation
import OrchExecution
import OrchGraph
import OrchSpec

/// Everything `orch run` (or a scheduler tick) asks for.
public struct RunRequest: Sendable {
    public var pipelinePath: String
    /// `--param k=v` overrides; each must name a declared param.
    public var params: [String: String] = [:]
    public var select: [String] = []
    public var exclude: [String] = []
    /// Data tests of the selected nodes run with them (dbt's indirect selection); false: `--no-tests`.
    public var includeTests = true
    public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    public var failFast = false
    /// Rebuild incremental models from scratch.
    public var fullRefresh = false
    public var trigger: RunTrigger = .manual
    public var logicalTime: Date = Date()
    /// A run id chosen by the caller (a scheduler records it with the tick before the run starts).
    public var runID: String?
    /// Overrides the pipeline's `on_failure` (a schedule's own).
    public var onFailure: AlertSpec?
    /// The pipeline already loaded from `pipelinePath` (by `PipelineRunner.preview`), so the run does not load it again.
    public var loaded: LoadedPipeline?

    public init(pipelinePath: String) {
        self.pipelinePath = pipelinePath
    }

    /// What `select`, `exclude` and `includeTests` choose.
    public var selection: Selection { Selection(select: select, exclude: exclude, tests: includeTests) }

    /// Parses `k=v` terms.
    /// - Throws: `RunSetupError` for a term without `=`.
    public static func parseParams(_ terms: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for term in terms {
            guard let eq = term.firstIndex(of: "="), eq != term.startIndex else {
                throw RunSetupError("`--param \(term)` must look like name=value")
            }
            out[String(term[..<eq])] = String(term[term.index(after: eq)...])
        }
        return out
    }
}

/// A problem that stops a run before it starts (bad params, bad selection,
/// a template naming a missing env var): the user's input, so exit code 2.
public struct RunSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
