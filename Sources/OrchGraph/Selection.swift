import Foundation
import OrchSpec

/// One `--select`/`--exclude` term: `name`, `+name` (with upstream),
/// `name+` (with downstream), `+name+`, `tag:x` (also with `+`).
public struct Selector: Sendable, Hashable, CustomStringConvertible {
    public enum Target: Sendable, Hashable {
        case node(String)
        case tag(String)
    }

    public var target: Target
    public var upstream: Bool
    public var downstream: Bool
    public var description: String

    /// Parses one selector term.
    /// - Throws: `SelectionError` when the term is empty.
    public init(parsing text: String) throws {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        description = String(body)
        upstream = body.hasPrefix("+")
        if upstream { body = body.dropFirst() }
        downstream = body.hasSuffix("+")
        if downstream { body = body.dropLast() }
        guard !body.isEmpty else { throw SelectionError("empty selector `\(text)`") }
        if body.hasPrefix("tag:") {
            let tag = body.dropFirst(4)
            guard !tag.isEmpty else { throw SelectionError("`\(text)` names no tag") }
            target = .tag(String(tag))
        } else {
            target = .node(String(body))
        }
    }
}

public struct SelectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TaskGraph {
    /// The nodes chosen by `select` (all when empty) minus those chosen by `exclude`.
    /// Selectors may be space- or comma-separated in one string.
    /// - Throws: `SelectionError` for a name that matches nothing.
    public func select(_ select: [String], exclude: [String] = []) throws -> Set<Int> {
        let chosen = select.isEmpty ? Set(nodes.indices) : try resolve(select)
        return chosen.subtracting(try resolve(exclude))
    }

    private func resolve(_ terms: [String]) throws -> Set<Int> {
        let selectors = try terms
            .flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " }) }
            .map { try Selector(parsing: String($0)) }
        var result = Set<Int>()
        for selector in selectors {
            let roots: [Int]
            switch selector.target {
            case let .node(name):
                guard let i = index(of: name) else {
                    let hint = KeySuggestion.nearest(to: name, among: nodes.map(\.id)).map { " (did you mean `\($0)`?)" } ?? ""
                    throw SelectionError("`\(selector)` matches no task\(hint)")
                }
                roots = [i]
            case let .tag(tag):
                roots = nodes.indices.filter { nodes[$0].tags.contains(tag) }
                guard !roots.isEmpty else { throw SelectionError("no task has tag `\(tag)`") }
            }
            for root in roots {
                result.insert(root)
                if selector.upstream { result.formUnion(reachable(from: root, upstream: true)) }
                if selector.downstream { result.formUnion(reachable(from: root, upstream: false)) }
            }
        }
        return result
    }
}
