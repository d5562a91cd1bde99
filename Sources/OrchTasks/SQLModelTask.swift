import Foundation
import OrchExecution
import OrchModels
import OrchSpec
import OrchWarehouse

/// `kind: sql_model`: a folder of dbt-style SQL models. Each model and each
/// data test becomes its own node: models are linked by `ref()`/`source()`
/// (datasets), tests run right after their model, and error-severity tests
/// hold back whatever reads the model they check.
///
/// Fields: `path` (the models folder, relative to the pipeline), `schema`
/// (default schema of the models, default `analytics`), `materialized`
/// (default `view`), `vars` (values for `var()`).
public struct SQLModelTask: TaskKind {
    public static let name = "sql_model"

    /// The task's models and tests, read from its folder (nil, with problems reported through `options`, when it cannot be).
    static func catalog(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> ModelCatalog? {
        guard let path = options.requiredString("path", hint: "the models folder, e.g. marketing/models") else { return nil }
        var defaults = ModelConfig()
        if let schema = options.string("schema") { defaults.schema = schema }
        if let m = options.string("materialized") {
            if let parsed = Materialization(rawValue: m) { defaults.materialized = parsed } else {
                options.report("`materialized` must be view, table or incremental, found `\(m)`", at: options.raw("materialized")!.location)
            }
        }
        let vars = Dictionary(options.stringMap("vars") ?? [], uniquingKeysWith: { $1 })
        guard let project = options.loading("path", { try ModelProject.load(directory: environment.resolve(path), defaults: defaults) })
        else { return nil }
        return ModelCatalog(project: project, vars: vars)
    }

    public static func units(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> [TaskUnit]? {
        guard let catalog = catalog(task, options: &options, environment: environment) else { return nil }
        let project = catalog.project
        var units: [TaskUnit] = []
        for model in project.models {
            let reads = model.template.refs.compactMap { catalog.dataset($0) } + model.template.sources.map { "\($0.schema).\($0.table)" }
            units.append(TaskUnit(id: model.name, reads: reads, writes: [catalog.dataset(model.name)!], checks: [],
                                  after: task.after, tags: task.tags + model.config.tags + [task.id, "model"],
                                  location: model.location,
                                  body: environment.bound {
                                      ModelBody(model: model, catalog: catalog, warehouse: $0, fullRefresh: environment.fullRefresh)
                                  }))
        }
        for test in project.tests {
            var reads = test.models.compactMap { catalog.dataset($0) }
            if case let .singular(template) = test.kind { reads += template.sources.map { "\($0.schema).\($0.table)" } }
            let checks = test.severity == .error ? [catalog.dataset(test.model)].compactMap { $0 } : []
            var unit = TaskUnit(id: test.name, reads: reads, writes: [], checks: checks, after: task.after,
                                tags: task.tags + [task.id, "test"], location: test.location,
                                body: environment.bound { DataTestBody(test: test, catalog: catalog, warehouse: $0) })
            unit.isCheck = true
            units.append(unit)
        }
        return units
    }
}

/// Names and relations of a project's models, shared by model and test bodies.
struct ModelCatalog: Sendable {
    var project: ModelProject
    var vars: [String: String]
    private var schemas: [String: String]

    init(project: ModelProject, vars: [String: String]) {
        self.project = project
        self.vars = vars
        self.schemas = Dictionary(project.models.map { ($0.name, $0.config.schema) }, uniquingKeysWith: { a, _ in a })
    }

    func dataset(_ model: String) -> String? { schemas[model].map { "\($0).\(model)" } }

    func relation(_ model: String) -> String? { schemas[model].map { RelationName.quoted($0, model) } }

    var relationResolver: @Sendable (String) -> String? {
        let schemas = self.schemas
        return { name in schemas[name].map { RelationName.quoted($0, name) } }
    }

    var modelNames: [String] { project.models.map(\.name) }
}
