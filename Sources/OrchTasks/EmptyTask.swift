import OrchExecution
import OrchSpec

/// `kind: empty`: a node that does nothing (Airflow's EmptyOperator). A join
/// point for a DAG (`after:` fan-in without work), a placeholder while a
/// pipeline is drawn, and the honest measure of what orch itself costs per task.
/// It has no fields of its own.
public struct EmptyTask: SingleTaskKind, TaskBody {
    public static let name = "empty"

    public static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> EmptyTask? {
        EmptyTask()
    }

    public func body(in environment: KindEnvironment) -> any TaskBody { self }

    public func run(_ context: TaskContext) async throws -> TaskOutput { TaskOutput() }
}
