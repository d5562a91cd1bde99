import Foundation
import OrchSpec

/// How a model is built.
public enum Materialization: String, Sendable, Hashable, CaseIterable {
    case view, table, incremental
}

/// A model's settings: from the sql_model task (defaults), the models' YAML,
/// then the model's own `{{ config(...) }}` header, later ones winning.
public struct ModelConfig: Sendable, Hashable {
    public var materialized: Materialization = .view
    public var schema: String = "analytics"
    public var uniqueKey: [String] = []
    public var tags: [String] = []
    public init() {}
}

/// One `.sql` model.
public struct Model: Sendable {
    public var name: String
    public var file: String
    public var template: ModelTemplate
    public var config: ModelConfig
    public var description: String?
    public var location: SourceLocation { SourceLocation(file: file, line: 1, column: 1) }
}

/// A folder of models with their YAML (descriptions, config, tests) and singular tests.
public struct ModelProject: Sendable {
    public var directory: String
    public var models: [Model]
    public var tests: [DataTest]

    public func model(_ name: String) -> Model? { models.first { $0.name == name } }

    /// Reads every `*.sql` under `directory` (except `tests/`), every `*.yml`
    /// beside them, and `tests/*.sql` as singular tests.
    /// - Throws: `SpecError` with all problems found, each with file:line:col.
    public static func load(directory: String, defaults: ModelConfig) throws -> ModelProject {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpecError(Diagnostic("the models folder \(directory) does not exist", at: nil,
                                       hint: "`path:` of a sql_model task is relative to the pipeline file"))
        }
        let files = (fm.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
        var diagnostics: [Diagnostic] = []
        var models: [Model] = []
        var singular: [(String, ModelTemplate)] = []
        // Models whose file has an error: not reported again where they are named.
        var unparsed = Set<String>()
        for relative in files where relative.hasSuffix(".sql") {
            let path = "\(directory)/\(relative)"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                diagnostics.append(Diagnostic("cannot read \(path)", at: nil)); continue
            }
            let name = ((relative as NSString).lastPathComponent as NSString).deletingPathExtension
            do {
                let template = try ModelTemplate(text, file: path)
                if relative.hasPrefix("tests/") {
                    singular.append((name, template))
                } else {
                    models.append(Model(name: name, file: path, template: template, config: defaults, description: nil))
                }
            } catch let e as SpecError {
                diagnostics += e.diagnostics
                if !relative.hasPrefix("tests/") { unparsed.insert(name) }
            }
        }
        for (name, group) in Dictionary(grouping: models, by: \.name) where group.count > 1 {
            diagnostics.append(Diagnostic("two models are named `\(name)`: \(group.map(\.file).joined(separator: ", "))",
                                          at: group[1].location, hint: "model names are file names and must be unique"))
        }
        var tests: [DataTest] = []
        for relative in files where (relative.hasSuffix(".yml") || relative.hasSuffix(".yaml")) && !relative.hasPrefix("tests/") {
            do {
                tests += try ModelSchemaFile.read(path: "\(directory)/\(relative)", models: &models, unparsed: unparsed,
                                                  diagnostics: &diagnostics)
            } catch let e as SpecError {
                diagnostics += e.diagnostics
            }
        }
        // The SQL header's config() wins over YAML and defaults.
        for i in models.indices {
            ModelSchemaFile.apply(models[i].template.config, to: &models[i].config, at: models[i].location, diagnostics: &diagnostics)
        }
        // A singular test is attached to the most downstream model it refs (as
        // a relationship test is to its own model): only that model's readers wait for it.
        let refsByModel = Dictionary(models.map { ($0.name, $0.template.refs) }, uniquingKeysWith: { a, _ in a })
        var depths: [String: Int] = [:]
        func depth(_ model: String, _ seen: Set<String> = []) -> Int {
            if let d = depths[model] { return d }
            guard !seen.contains(model) else { return 0 }
            let d = 1 + ((refsByModel[model] ?? []).map { depth($0, seen.union([model])) }.max() ?? 0)
            depths[model] = d
            return d
        }
        for (name, template) in singular {
            let refs = template.refs
            let primary = refs.max { depth($0) < depth($1) } ?? ""
            tests.append(DataTest(name: name, model: primary, column: nil, kind: .singular(template), severity: .error,
                                  location: SourceLocation(file: template.file, line: 1, column: 1)))
        }
        let names = Set(models.map(\.name))
        for model in models {
            for (ref, location) in model.template.refLocations where !names.contains(ref) && !unparsed.contains(ref) {
                diagnostics.append(Diagnostic("model `\(model.name)` refs `\(ref)`, which is not a model in \(directory)",
                                              at: location, hint: KeySuggestion.nearest(to: ref, among: Array(names)).map { "did you mean `\($0)`?" }))
            }
            if model.config.materialized == .incremental && model.config.uniqueKey.isEmpty {
                diagnostics.append(Diagnostic("incremental model `\(model.name)` needs a `unique_key`", at: model.location,
                                              hint: "add unique_key='id' to its config()"))
            }
        }
        for test in tests {
            for ref in test.models where !names.contains(ref) && !unparsed.contains(ref) {
                diagnostics.append(Diagnostic("test `\(test.name)` refers to `\(ref)`, which is not a model", at: test.location,
                                              hint: KeySuggestion.nearest(to: ref, among: Array(names)).map { "did you mean `\($0)`?" }))
            }
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        return ModelProject(directory: directory, models: models, tests: DataTest.uniquelyNamed(tests))
    }
}
