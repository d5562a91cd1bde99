import Foundation

/// The `{{ … }}` substitutions allowed in pipeline strings:
/// `params.x`, `env.X`, `run.id`, `run.logical_time`, `pipeline.name`, `pipeline.dir`.
/// Deliberately tiny; SQL models have their own richer language.
public struct TemplateContext: Sendable {
    public var params: [String: String]
    public var env: [String: String]
    public var run: [String: String]
    public var pipeline: [String: String]

    public init(params: [String: String], env: [String: String], run: [String: String], pipeline: [String: String]) {
        self.params = params
        self.env = env
        self.run = run
        self.pipeline = pipeline
    }
}

public enum Template {
    /// The names a template may use under `run.` and `pipeline.`.
    public static let runNames = ["id", "logical_time", "trigger"]
    public static let pipelineNames = ["name", "dir"]

    /// Substitutes every `{{ name }}` in `text`.
    /// - Throws: `Diagnostic` at `location` for an unknown or malformed name.
    public static func render(_ text: String, context: TemplateContext, at location: SourceLocation) throws -> String {
        try substitute(text, at: location) { name in
            try lookup(name, context: context, at: location)
        }
    }

    /// Checks names without values (for `orch validate`): params must be declared,
    /// `run.`/`pipeline.` names must exist; `env.` is checked only at run time.
    public static func check(_ text: String, params: Set<String>, at location: SourceLocation) throws {
        _ = try substitute(text, at: location) { name in
            let (scope, key) = try split(name, at: location)
            switch scope {
            case "params":
                guard params.contains(key) else { throw unknownParam(key, params: Array(params), at: location) }
            case "env": break
            case "run": guard runNames.contains(key) else { throw unknownName(name, at: location) }
            case "pipeline": guard pipelineNames.contains(key) else { throw unknownName(name, at: location) }
            default: throw unknownName(name, at: location)
            }
            return ""
        }
    }

    private static func lookup(_ name: String, context: TemplateContext, at location: SourceLocation) throws -> String {
        let (scope, key) = try split(name, at: location)
        switch scope {
        case "params":
            guard let v = context.params[key] else {
                throw unknownParam(key, params: Array(context.params.keys), at: location)
            }
            return v
        case "env":
            guard let v = context.env[key] else {
                throw Diagnostic("environment variable `\(key)` is not set", at: location,
                                 hint: "export \(key)=… before running, or use a param with a default instead")
            }
            return v
        case "run":
            guard let v = context.run[key] else { throw unknownName(name, at: location) }
            return v
        case "pipeline":
            guard let v = context.pipeline[key] else { throw unknownName(name, at: location) }
            return v
        default:
            throw unknownName(name, at: location)
        }
    }

    private static func split(_ name: String, at location: SourceLocation) throws -> (String, String) {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { throw unknownName(name, at: location) }
        return (parts[0], parts[1])
    }

    private static func unknownParam(_ key: String, params: [String], at location: SourceLocation) -> Diagnostic {
        let hint = KeySuggestion.nearest(to: key, among: params).map { "did you mean `params.\($0)`?" }
            ?? "declare it under `params:` at the top of the pipeline"
        return Diagnostic("unknown parameter `params.\(key)`", at: location, hint: hint)
    }

    private static func unknownName(_ name: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic("unknown template name `\(name)`", at: location,
                   hint: "use params.NAME, env.NAME, run.id, run.logical_time, run.trigger, pipeline.name or pipeline.dir")
    }

    /// Finds `{{ … }}` spans; text outside them is copied as is.
    private static func substitute(_ text: String, at location: SourceLocation,
                                   _ value: (String) throws -> String) throws -> String {
        guard text.contains("{{") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw Diagnostic("`{{` without a closing `}}`", at: location, hint: "close the substitution with `}}`")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += try value(name)
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
