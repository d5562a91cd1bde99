import OrchSpec
import Foundation

/// The small, strict template language of SQL models (a dbt subset):
/// `{{ ref('m') }}`, `{{ source('raw', 't') }}`, `{{ this }}`,
/// `{{ var('x') }}` / `{{ var('x', 'default') }}`, `{{ config(k=v, …) }}`,
/// `{% if is_incremental() %} … {% else %} … {% endif %}` (also `not`),
/// and `{# comments #}`. Anything else is an error at file:line:col.
public struct ModelTemplate: Sendable {
    public enum Node: Sendable {
        case text(String, line: Int)
        case ref(String, at: SourceLocation)
        case source(String, String, at: SourceLocation)
        case this(at: SourceLocation)
        case variable(String, default: String?, at: SourceLocation)
        /// `is_incremental()` (negated with `not`), then the two branches.
        case incrementalIf(negated: Bool, then: [Node], else: [Node])
    }

    public let file: String
    public let nodes: [Node]
    /// From `{{ config(...) }}`: materialized, schema, unique_key, tags, …
    public let config: [String: ConfigValue]

    public enum ConfigValue: Sendable, Hashable {
        case string(String)
        case list([String])
        case bool(Bool)
    }

    /// Parses `text` read from `file`.
    /// - Throws: `SpecError` with the place of the first problem.
    public init(_ text: String, file: String) throws {
        self.file = file
        var parser = TemplateParser(text: text, file: file)
        let (nodes, terminator) = try parser.parseNodes(until: [])
        if let terminator { throw parser.error("`{% \(terminator.keyword) %}` without a matching `{% if %}`", at: terminator.location) }
        self.nodes = nodes
        self.config = parser.config
    }

    /// Every model named by `ref`, and every source, in any branch.
    public var refs: [String] { collect { if case let .ref(n, _) = $0 { return n } else { return nil } } }
    /// Each model named by `ref` with where it is first named: a bad ref is
    /// reported on its own line, not at the top of the file.
    public var refLocations: [(name: String, location: SourceLocation)] {
        var seen = Set<String>()
        return collectNodes(nodes).compactMap {
            if case let .ref(n, at) = $0, seen.insert(n).inserted { return (n, at) } else { return nil }
        }
    }
    public var sources: [(schema: String, table: String)] {
        var seen = Set<String>()
        return collectNodes(nodes).compactMap {
            if case let .source(s, t, _) = $0, seen.insert("\(s).\(t)").inserted { return (s, t) } else { return nil }
        }
    }
    public var variables: [String] { collect { if case let .variable(n, _, _) = $0 { return n } else { return nil } } }

    private func collect(_ pick: (Node) -> String?) -> [String] {
        var seen = Set<String>()
        return collectNodes(nodes).compactMap(pick).filter { seen.insert($0).inserted }
    }

    private func collectNodes(_ nodes: [Node]) -> [Node] {
        nodes.flatMap { node -> [Node] in
            if case let .incrementalIf(_, a, b) = node { return collectNodes(a) + collectNodes(b) }
            return [node]
        }
    }

    /// Renders the SQL for one run, with a map from output offsets to lines of the model file.
    /// - Throws: `SpecError` for a reference that `resolve` does not know, or a var without a value.
    public func render(_ context: RenderContext) throws -> CompiledSQL {
        var out = CompiledSQL(sql: "", lineMap: [])
        try render(nodes, context, into: &out)
        return out
    }

    private func render(_ nodes: [Node], _ context: RenderContext, into out: inout CompiledSQL) throws {
        for node in nodes {
            switch node {
            case let .text(text, line):
                out.append(text, line: line)
            case let .ref(name, location):
                guard let relation = context.ref(name) else {
                    throw SpecError(Diagnostic("ref('\(name)') names no model of this project", at: location,
                                               hint: KeySuggestion.nearest(to: name, among: context.modelNames).map { "did you mean `\($0)`?" }))
                }
                out.append(relation, line: location.line)
            case let .source(schema, table, location):
                out.append(RelationName.quoted(schema, table), line: location.line)
            case let .this(location):
                out.append(context.this, line: location.line)
            case let .variable(name, fallback, location):
                guard let value = context.vars[name] ?? fallback else {
                    throw SpecError(Diagnostic("var('\(name)') has no value", at: location,
                                               hint: "set it under `vars:` of the sql_model task, or give a default: var('\(name)', '…')"))
                }
                out.append(value, line: location.line)
            case let .incrementalIf(negated, then, otherwise):
                try render(context.isIncremental != negated ? then : otherwise, context, into: &out)
            }
        }
    }
}

/// What a model's SQL is rendered against.
public struct RenderContext: Sendable {
    public var this: String
    public var isIncremental: Bool
    public var vars: [String: String]
    public var modelNames: [String]
    public var ref: @Sendable (String) -> String?

    public init(this: String, isIncremental: Bool, vars: [String: String], modelNames: [String],
                ref: @escaping @Sendable (String) -> String?) {
        self.this = this
        self.isIncremental = isIncremental
        self.vars = vars
        self.modelNames = modelNames
        self.ref = ref
    }
}

/// Rendered SQL with, for each stretch of it, the model-file line it came from.
public struct CompiledSQL: Sendable, Hashable {
    public var sql: String
    /// (offset in `sql` in characters, model-file line at that offset), ascending.
    public var lineMap: [Pair]

    public struct Pair: Sendable, Hashable {
        public var offset: Int
        public var line: Int
    }

    mutating func append(_ text: String, line: Int) {
        lineMap.append(Pair(offset: sql.count, line: line))
        sql += text
    }

    /// The model-file line of the character at 1-based `position` in `sql`.
    public func sourceLine(ofPosition position: Int) -> Int {
        let offset = max(0, position - 1)
        guard let pair = lineMap.last(where: { $0.offset <= offset }) else { return 1 }
        let stretch = sql.dropFirst(pair.offset).prefix(offset - pair.offset)
        return pair.line + stretch.filter { $0 == "\n" }.count
    }
}

public enum RelationName {
    public static func quoted(_ schema: String, _ table: String) -> String {
        "\"\(schema.replacingOccurrences(of: "\"", with: "\"\""))\".\"\(table.replacingOccurrences(of: "\"", with: "\"\""))\""
    }
}
