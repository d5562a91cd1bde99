import Foundation
import OrchExecution
import OrchSpec
import OrchStore

/// What a kind may use when it builds a task: where the pipeline lives, the
/// warehouse (nil when only validating), and the template renderer.
public struct KindEnvironment: Sendable {
    /// The pipeline file's folder: relative paths in a task start here.
    public var pipelineDirectory: String
    public var warehouse: Warehouse?
    /// Renders `{{ … }}` in text read from files (YAML strings arrive rendered).
    public var render: @Sendable (String, SourceLocation) throws -> String

    public init(pipelineDirectory: String, warehouse: Warehouse?,
                render: @escaping @Sendable (String, SourceLocation) throws -> String = { text, _ in text }) {
        self.pipelineDirectory = pipelineDirectory
        self.warehouse = warehouse
        self.render = render
    }

    /// `path` made absolute against the pipeline's folder.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: pipelineDirectory).appendingPathComponent(path).standardizedFileURL.path
    }
}

/// A kind of task (`command`, `sql`, …): one file each, behind this protocol.
public protocol TaskKind: Sendable {
    static var name: String { get }
    /// Reads the task's kind-specific fields strictly (report, don't throw,
    /// through `options`), and builds the body that runs it.
    /// Called when validating (fields unrendered, no warehouse) and again
    /// before running (fields rendered).
    static func make(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> (any TaskBody)?
}

/// The kinds orch knows, by name.
public enum KindRegistry {
    public static let kinds: [any TaskKind.Type] = [CommandTask.self, SQLTask.self, CSVExtractTask.self, HTTPPollTask.self]

    public static var names: [String] { kinds.map { $0.name } }

    /// Builds the body of `task`, or throws every problem found in its fields.
    public static func body(for task: TaskSpec, environment: KindEnvironment) throws -> any TaskBody {
        guard let kind = kinds.first(where: { $0.name == task.kind }) else {
            let hint = KeySuggestion.nearest(to: task.kind, among: names).map { "did you mean `\($0)`?" }
                ?? "known kinds: " + names.joined(separator: ", ")
            throw SpecError(Diagnostic("task `\(task.id)` has unknown kind `\(task.kind)`", at: task.location, hint: hint))
        }
        var diagnostics: [Diagnostic] = []
        guard var reader = task.optionsReader(diagnostics: &diagnostics) else { throw SpecError(diagnostics) }
        let body = kind.make(task, options: &reader, environment: environment)
        diagnostics += reader.finish()
        guard diagnostics.isEmpty, let body else { throw SpecError(diagnostics) }
        return body
    }
}
