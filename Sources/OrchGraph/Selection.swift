import Foundation
import OrchSpec

/// One `--select`/`--exclude` term: `name`, `+name` (with upstream),
/// `name+` (with downstream), `+name+`, `tag:x` (also with `+`). A name is
/// a node, or the YAML task a group of nodes comes from (a sql_model task's id).
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

    /// The terms of `--select`/`--exclude` values, which may be comma- or space-separated.
    /// - Throws: `SelectionError` for a term that is not a selector.
    public static func parseAll(_ values: [String]) throws -> [Selector] {
        try values.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " }) }.map { try Selector(parsing: String($0)) }
    }
}

public struct SelectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What `--select`, `--exclude` and `--no-tests` ask for.
public struct Selection: Sendable, Hashable {
    public var select: [String]
    public var exclude: [String]
    /// Data tests come with the nodes they test, as in `dbt build -s model`
    /// (dbt's eager indirect selection); false (`--no-tests`) leaves every test out.
    public var tests: Bool

    public init(select: [String] = [], exclude: [String] = [], tests: Bool = true) {
        self.select = select
        self.exclude = exclude
        self.tests = tests
    }

    /// How the user wrote it, for messages.
    var said: String {
        (select.map { "--select '\($0)'" } + exclude.map { "--exclude '\($0)'" } + (tests ? [] : ["--no-tests"]))
            .joined(separator: " ")
    }
}

extension TaskGraph {
    /// The nodes chosen by `select` (all when empty) with the data tests of
    /// the chosen nodes, minus those chosen by `exclude`.
    /// - Throws: `SelectionError` for a name that matches nothing, a `--select`
    ///   with no term in it (`--select ''`), or a selection that leaves no node.
    public func select(_ select: [String], exclude: [String] = [], tests: Bool = true) throws -> Set<Int> {
        try self.select(Selection(select: select, exclude: exclude, tests: tests))
    }

    /// As `select(_:exclude:tests:)`.
    public func select(_ selection: Selection) throws -> Set<Int> {
        if !selection.select.isEmpty, try Selector.parseAll(selection.select).isEmpty {
            throw SelectionError("`--select '\(selection.select.joined(separator: ","))'` names no task: give a task, NAME+, +NAME or tag:X, or leave --select out to run everything")
        }
        let result = try choose(selection, strict: true)
        if result.isEmpty { throw SelectionError("`\(selection.said)` leaves no task to run") }
        return result
    }

    /// Like `select`, but a name or tag this graph does not have matches
    /// nothing instead of being an error, and the result may be empty (one
    /// of several pipelines, as `orch ls` lists them).
    /// - Throws: `SelectionError` only for a term that is not a selector.
    public func matching(_ selection: Selection) throws -> Set<Int> {
        try choose(selection, strict: false)
    }

    /// The names a selector may use here: node ids and the tasks nodes come from.
    public var selectableNames: [String] {
        var seen = Set<String>()
        return (nodes.map(\.id) + nodes.compactMap(\.group)).filter { seen.insert($0).inserted }
    }

    private func choose(_ selection: Selection, strict: Bool) throws -> Set<Int> {
        var chosen = selection.select.isEmpty ? Set(nodes.indices) : try resolve(selection.select, strict: strict)
        if selection.tests {
            // A test whose data comes from a chosen node comes too (not one that merely shares an `after:`).
            for j in nodes.indices where nodes[j].isCheck && !chosen.contains(j) {
                if upstream[j].contains(where: { edge in
                    if case .dataset = edge.reason { return chosen.contains(edge.index) }
                    return false
                }) { chosen.insert(j) }
            }
        } else {
            chosen = chosen.filter { !nodes[$0].isCheck }
        }
        return chosen.subtracting(try resolve(selection.exclude, strict: strict))
    }

    private func resolve(_ terms: [String], strict: Bool) throws -> Set<Int> {
        var result = Set<Int>()
        for selector in try Selector.parseAll(terms) {
            let roots: [Int]
            switch selector.target {
            case let .node(name):
                if let i = index(of: name) {
                    roots = [i]
                } else {
                    roots = nodes.indices.filter { nodes[$0].group == name }
                }
                if roots.isEmpty && strict {
                    let hint = KeySuggestion.nearest(to: name, among: selectableNames).map { " (did you mean `\($0)`?)" } ?? ""
                    throw SelectionError("`\(selector)` matches no task\(hint)")
                }
            case let .tag(tag):
                roots = nodes.indices.filter { nodes[$0].tags.contains(tag) }
                if roots.isEmpty && strict { throw SelectionError("no task has tag `\(tag)`") }
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
