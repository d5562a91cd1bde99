import Yams
@testable import OrchSpec

/// How orch read YAML before `YAMLTree`: Yams' node tree, converted. Kept
/// here only so a differential test can hold the one-pass reader to it.
enum YAMLReference {
    static func parse(_ text: String, file: String) throws -> SpecValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw SpecError(diagnostic(for: error, file: file))
        }
        guard let node else {
            throw SpecError(Diagnostic("the file is empty", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        return convert(node, file: file)
    }

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

    /// Nil for errors `YAMLTree` words on purpose differently (reader errors).
    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case let .scanner(context, problem, mark, _):
            return Diagnostic("YAML syntax: \(problem)" + (context.map { " \($0.text)" } ?? ""),
                              at: SourceLocation(file: file, line: mark.line, column: mark.column))
        case let .parser(context, problem, mark, _):
            return Diagnostic("YAML syntax: \(problem)" + (context.map { " \($0.text)" } ?? ""),
                              at: SourceLocation(file: file, line: mark.line, column: mark.column))
        case let .composer(context, problem, mark, _):
            return Diagnostic("YAML: \(problem)" + (context.map { " \($0.text)" } ?? ""),
                              at: SourceLocation(file: file, line: mark.line, column: mark.column))
        case let .duplicatedKeysInMapping(duplicates, context):
            return Diagnostic("duplicate key `\(duplicates.sorted().joined(separator: ", "))` in one mapping",
                              at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
        default:
            return Diagnostic("YAML reader: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}
