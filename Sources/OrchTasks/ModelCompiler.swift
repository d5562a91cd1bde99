import Foundation
import OrchModels
import OrchSpec

/// `orch compile`: the SQL a sql_model task's models and data tests run,
/// compiled from their templates alone, with no warehouse (dbt's `compile`).
public enum ModelCompiler {
    /// One node's compiled SQL: a model's SELECT, or a test's query for its failing rows.
    public struct Compiled: Sendable, Hashable {
        public var node: String
        public var isTest: Bool
        public var sql: String
    }

    /// Compiles every model and test of `task` (a `sql_model` task; other kinds have none).
    /// - Parameter incremental: `is_incremental()` is true for incremental
    ///   models (the SQL of a later run's merge); false compiles a first build.
    /// - Throws: `SpecError` with every problem, each at its file and line.
    public static func compile(_ task: TaskSpec, environment: KindEnvironment, incremental: Bool = false) throws -> [Compiled] {
        guard task.kind == SQLModelTask.name else { return [] }
        var diagnostics: [Diagnostic] = []
        guard var reader = task.optionsReader(diagnostics: &diagnostics) else { throw SpecError(diagnostics) }
        let catalog = SQLModelTask.catalog(task, options: &reader, environment: environment)
        diagnostics += reader.finish()
        guard diagnostics.isEmpty, let catalog else { throw SpecError(diagnostics) }
        var out: [Compiled] = []
        for model in catalog.project.models {
            let context = RenderContext(this: catalog.relation(model.name) ?? model.name,
                                        isIncremental: incremental && model.config.materialized == .incremental,
                                        vars: catalog.vars, modelNames: catalog.modelNames, ref: catalog.relationResolver)
            do {
                out.append(Compiled(node: model.name, isTest: false, sql: ModelBody.trimmed(try model.template.render(context).sql)))
            } catch let error as SpecError { diagnostics += error.diagnostics }
        }
        for test in catalog.project.tests {
            do {
                let sql = try test.failingRowsSQL(relation: catalog.relationResolver, vars: catalog.vars, modelNames: catalog.modelNames)
                out.append(Compiled(node: test.name, isTest: true, sql: ModelBody.trimmed(sql)))
            } catch let error as SpecError { diagnostics += error.diagnostics }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        return out
    }
}
