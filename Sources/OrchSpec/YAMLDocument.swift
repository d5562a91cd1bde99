/// Turns YAML text into a `SpecValue` tree with line and column on every node.
/// This and `YAMLTree` are the only places that know YAML's reader.
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
        guard let value = try YAMLTree.build(text, file: file) else {
            throw SpecError(Diagnostic("the file is empty", at: start,
                                       hint: "a pipeline needs at least `name:` and `tasks:`"))
        }
        return value
    }
}
