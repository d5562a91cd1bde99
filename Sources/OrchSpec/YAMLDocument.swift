import Yams

/// Turns YAML text into a `SpecValue` tree with line and column on every node.
/// This is the only place that knows about Yams.
public enum YAMLDocument {
    /// Limits on what one file may be, so that a hostile or broken file is a
    /// diagnostic instead of a hang: the biggest real pipelines, schedules and
    /// catalogs are a few hundred lines and a few thousand values, nesting
    /// under ten deep. Values count scalars and collections, aliases expanded.
    public static let maxBytes = 10 * 1024 * 1024
    public static let maxExpandedValues = 100_000
    public static let maxDepth = 64

    /// Parses `text`, read from `file` (used in locations only).
    /// - Throws: `SpecError` with the parser's own position when the YAML is malformed,
    ///   or past a limit (size, values with aliases expanded, nesting depth).
    public static func parse(_ text: String, file: String) throws -> SpecValue {
        let start = SourceLocation(file: file, line: 1, column: 1)
        let bytes = text.utf8.count
        if bytes > maxBytes {
            let mib = (Double(bytes) / 1_048_576 * 10).rounded() / 10
            throw SpecError(Diagnostic("the file is \(mib) MiB, larger than the \(maxBytes / 1_048_576) MiB limit", at: start,
                                       hint: "split it into smaller files"))
        }
        try YAMLExpansionCheck.check(text, file: file)
        let node: Node?
        do {
            // No implicit tags: `convert` reads scalars as text and knows null by itself; Yams' default
            // resolver runs up to seven NSRegularExpressions per scalar (half of validating 10,000 tasks).
            node = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw SpecError(diagnostic(for: error, file: file))
        }
        guard let node else {
            throw SpecError(Diagnostic("the file is empty", at: start,
                                       hint: "a pipeline needs at least `name:` and `tasks:`"))
        }
        return convert(node, file: file)
    }

    /// Recursive, which is safe: `YAMLExpansionCheck` bounded the depth and size first.
    private static func convert(_ node: Node, file: String) -> SpecValue {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        switch node {
        case let .scalar(scalar):
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
                || scalar.style == .literal || scalar.style == .folded
            if !quoted && ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return SpecValue(.null, at: location)
            }
            return SpecValue(.scalar(scalar.string, quoted: quoted), at: location)
        case let .sequence(sequence):
            return SpecValue(.list(sequence.map { convert($0, file: file) }), at: location)
        case let .mapping(mapping):
            return SpecValue(.map(mapping.map { (convert($0.key, file: file), convert($0.value, file: file)) }), at: location)
        case let .alias(alias):
            return SpecValue(.scalar("*\(alias.anchor.rawValue)", quoted: false), at: location)
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case let .scanner(context, problem, mark, _):
            return Diagnostic("YAML syntax: \(problem)" + (context.map { " \($0.text)" } ?? ""),
                              at: SourceLocation(file: file, line: mark.line, column: mark.column),
                              hint: "check indentation and quoting on this line (a value starting with `{{` must be quoted)")
        case let .parser(context, problem, mark, _):
            return Diagnostic("YAML syntax: \(problem)" + (context.map { " \($0.text)" } ?? ""),
                              at: SourceLocation(file: file, line: mark.line, column: mark.column),
                              hint: "check indentation and quoting on this line")
        case let .composer(context, problem, mark, _):
            return Diagnostic("YAML: \(problem)" + (context.map { " \($0.text)" } ?? ""),
                              at: SourceLocation(file: file, line: mark.line, column: mark.column))
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.sorted().joined(separator: ", ")
            return Diagnostic("duplicate key `\(names)` in one mapping",
                              at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                              hint: "each key may appear once; remove or rename the second one")
        default:
            return Diagnostic("YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}
