import OrchSpec

/// The names a user types into read commands: `status --pipeline P`,
/// `tests --model M`, `lineage DATASET`.
public enum KnownNameKind: Sendable, Hashable {
    case pipeline
    case testedModel
    case dataset
}

/// A name given to a read command that the store does not know.
public struct UnknownNameError: Error, Sendable, Hashable, CustomStringConvertible {
    public var kind: KnownNameKind
    public var name: String
    public var suggestion: String?

    public init(kind: KnownNameKind, name: String, suggestion: String?) {
        self.kind = kind
        self.name = name
        self.suggestion = suggestion
    }

    public var description: String {
        let what = switch kind {
        case .pipeline: "no run of a pipeline named `\(name)` is recorded"
        case .testedModel: "no test results are recorded for a model named `\(name)`"
        case .dataset: "no dataset named `\(name)` is recorded in the lineage"
        }
        return what + (suggestion.map { "; did you mean `\($0)`?" } ?? "")
    }
}

extension RunStore {
    /// `name` as the store knows it: itself; for a dataset given without its
    /// schema (`fct_sales`), the one recorded dataset ending in `.fct_sales`.
    /// - Throws: `UnknownNameError` with the nearest known name, when none matches.
    public func knownName(_ name: String, _ kind: KnownNameKind) async throws -> String {
        let known = try await knownNames(kind)
        if known.contains(name) { return name }
        if kind == .dataset {
            let qualified = known.filter { $0.hasSuffix("." + name) }
            if qualified.count == 1 { return qualified[0] }
        }
        var suggestion = KeySuggestion.nearest(to: name, among: known)
        if suggestion == nil, kind == .dataset, !name.contains(".") {
            // `fct_sale` → `analytics.fct_sales`: compare with the table part.
            let byTable = Dictionary(known.map { (String($0.split(separator: ".").last ?? ""), $0) }, uniquingKeysWith: { a, _ in a })
            suggestion = KeySuggestion.nearest(to: name, among: Array(byTable.keys)).flatMap { byTable[$0] }
        }
        throw UnknownNameError(kind: kind, name: name, suggestion: suggestion)
    }
}
