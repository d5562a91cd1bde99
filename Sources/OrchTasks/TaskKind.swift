import Foundation
import OrchExecution
import OrchSpec
import OrchWarehouse

/// What a kind may use when it builds a task: where the pipeline lives, the
/// warehouse (nil when only validating), and the template renderer.
public struct KindEnvironment: Sendable {
    /// The pipeline file's folder: relative paths in a task start here.
    public var pipelineDirectory: String
    public var warehouse: Warehouse?
    /// Renders `{{ … }}` in text read from files (YAML strings arrive rendered).
    public var render: @Sendable (String, SourceLocation) throws -> String
    /// `--full-refresh`: incremental models are rebuilt from scratch.
    public var fullRefresh = false

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

/// One node a task puts in the graph, with the body that runs it. Most
/// tasks are one unit; a `sql_model` task is one per model and data test.
public struct TaskUnit: Sendable {
    public var id: String
    public var reads: [String]
    public var writes: [String]
    /// Datasets this unit vouches for (error-severity data tests).
    public var checks: [String]
    /// A data test (any severity): it does not wait for other tests.
    public var isCheck = false
    public var after: [String]
    public var tags: [String]
    public var location: SourceLocation
    public var body: any TaskBody
}

/// A kind of task (`command`, `sql`, …): one file each, behind this protocol.
public protocol TaskKind: Sendable {
    static var name: String { get }
    /// Reads the task's kind-specific fields strictly (report, don't throw,
    /// through `options`), and builds the units that run it.
    /// Called when validating (fields unrendered, no warehouse) and again
    /// before running (fields rendered).
    static func units(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> [TaskUnit]?
}

/// A kind whose task is one node of the graph. Its value is its config: the
/// task's fields read and checked without a warehouse (`orch validate` stops
/// there); the body that runs is built from it.
public protocol SingleTaskKind: TaskKind {
    /// Reads the fields into a config, or reports through `options` why it cannot.
    static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> Self?
    /// Datasets the task reads and writes whatever its YAML says (a load's table).
    var datasets: (reads: [String], writes: [String]) { get }
    /// The body that runs this config.
    func body(in environment: KindEnvironment) -> any TaskBody
}

/// A kind whose body works on the warehouse: it runs with one that is
/// always there, because its body is only built once there is one.
public protocol WarehouseTaskKind: SingleTaskKind {
    func run(_ context: TaskContext, warehouse: Warehouse) async throws -> TaskOutput
}

extension SingleTaskKind {
    public var datasets: (reads: [String], writes: [String]) { ([], []) }

    public static func units(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> [TaskUnit]? {
        guard let config = config(task, options: &options, environment: environment) else { return nil }
        let own = config.datasets
        return [TaskUnit(id: task.id, reads: unique(task.reads + own.reads), writes: unique(task.writes + own.writes), checks: [],
                         after: task.after, tags: task.tags, location: task.location, body: config.body(in: environment))]
    }
}

extension WarehouseTaskKind {
    public func body(in environment: KindEnvironment) -> any TaskBody {
        environment.bound { WarehouseBody(config: self, warehouse: $0) }
    }
}

/// A warehouse kind's config with the warehouse it runs on.
struct WarehouseBody<Kind: WarehouseTaskKind>: TaskBody {
    var config: Kind
    var warehouse: Warehouse

    func run(_ context: TaskContext) async throws -> TaskOutput {
        try await config.run(context, warehouse: warehouse)
    }
}

extension KindEnvironment {
    /// `make`'s body on this environment's warehouse. Without one (only
    /// validating: the body never runs) a body that refuses to run: the one
    /// place a missing warehouse is handled.
    func bound(_ make: (Warehouse) -> any TaskBody) -> any TaskBody {
        guard let warehouse else { return NoWarehouseBody() }
        return make(warehouse)
    }
}

/// What a warehouse task holds when it was built for validation only.
struct NoWarehouseBody: TaskBody {
    func run(_ context: TaskContext) async throws -> TaskOutput {
        throw TaskFailure(.internalError, "no warehouse connection", retryable: false)
    }
}

func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}

/// The kinds orch knows, by name.
public enum KindRegistry {
    public static let kinds: [any TaskKind.Type] = [EmptyTask.self, CommandTask.self, SQLTask.self, CSVExtractTask.self, HTTPPollTask.self,
                                                   SQLModelTask.self, TrainSegmentsTask.self, SemanticCatalogTask.self]

    public static var names: [String] { kinds.map { $0.name } }

    /// Builds the body of a single-node task (tests and tools); see `units`.
    public static func body(for task: TaskSpec, environment: KindEnvironment) throws -> any TaskBody {
        let built = try units(for: task, environment: environment)
        guard built.count == 1 else { throw SpecError(Diagnostic("task `\(task.id)` is not a single node", at: task.location)) }
        return built[0].body
    }

    /// Builds the units of `task`, or throws every problem found in its fields.
    public static func units(for task: TaskSpec, environment: KindEnvironment) throws -> [TaskUnit] {
        guard let kind = kinds.first(where: { $0.name == task.kind }) else {
            let hint = KeySuggestion.nearest(to: task.kind, among: names).map { "did you mean `\($0)`?" }
                ?? "known kinds: " + names.joined(separator: ", ")
            throw SpecError(Diagnostic("task `\(task.id)` has unknown kind `\(task.kind)`", at: task.location, hint: hint))
        }
        var diagnostics: [Diagnostic] = []
        guard var reader = task.optionsReader(diagnostics: &diagnostics) else { throw SpecError(diagnostics) }
        let units = kind.units(task, options: &reader, environment: environment)
        diagnostics += reader.finish()
        guard diagnostics.isEmpty, let units else { throw SpecError(diagnostics) }
        return units
    }
}
