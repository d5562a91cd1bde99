import OrchSpec

/// Parses model templates into `ModelTemplate.Node`s, keeping line and column.
struct TemplateParser {
    struct Terminator {
        var keyword: String
        var location: SourceLocation
    }

    let chars: [Character]
    let file: String
    var i = 0
    var line = 1
    var column = 1
    var config: [String: ModelTemplate.ConfigValue] = [:]

    init(text: String, file: String) {
        chars = Array(text)
        self.file = file
    }

    func error(_ message: String, at location: SourceLocation, hint: String? = nil) -> SpecError {
        SpecError(Diagnostic(message, at: location, hint: hint))
    }

    var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    mutating func advance(_ n: Int = 1) {
        for _ in 0..<n where i < chars.count {
            if chars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
    }

    func peek(_ s: String) -> Bool {
        let a = Array(s)
        guard i + a.count <= chars.count else { return false }
        return Array(chars[i..<(i + a.count)]) == a
    }

    /// Parses until one of `terminators` (`else`, `endif`) or the end.
    mutating func parseNodes(until terminators: Set<String>) throws -> ([ModelTemplate.Node], Terminator?) {
        var nodes: [ModelTemplate.Node] = []
        var text = ""
        var textLine = line
        func flush() {
            if !text.isEmpty { nodes.append(.text(text, line: textLine)) }
            text = ""
        }
        while i < chars.count {
            if peek("{#") {
                flush()
                let start = here
                guard let end = find("#}") else { throw error("`{#` comment is never closed with `#}`", at: start) }
                advance(end - i + 2)
                textLine = line
            } else if peek("{{") {
                flush()
                let start = here
                guard let end = find("}}") else { throw error("`{{` is never closed with `}}`", at: start) }
                advance(2)
                let inner = String(chars[i..<end])
                let innerStart = here
                advance(end - i + 2)
                if let node = try expression(inner, at: innerStart, tagStart: start) { nodes.append(node) }
                textLine = line
            } else if peek("{%") {
                flush()
                let start = here
                guard let end = find("%}") else { throw error("`{%` is never closed with `%}`", at: start) }
                advance(2)
                let inner = String(chars[i..<end]).trimmingCharacters(in: .whitespaces)
                advance(end - i + 2)
                let words = inner.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                switch words.first {
                case "if":
                    let condition = words.dropFirst().joined(separator: " ").replacingOccurrences(of: " ", with: "")
                    let negated: Bool
                    switch condition {
                    case "is_incremental()": negated = false
                    case "notis_incremental()": negated = true
                    default:
                        throw error("unsupported condition `\(words.dropFirst().joined(separator: " "))`", at: start,
                                    hint: "models support `{% if is_incremental() %}` and `{% if not is_incremental() %}`")
                    }
                    let (thenNodes, t1) = try parseNodes(until: ["else", "endif"])
                    var elseNodes: [ModelTemplate.Node] = []
                    guard let t1 else { throw error("`{% if %}` is never closed with `{% endif %}`", at: start) }
                    if t1.keyword == "else" {
                        let (e, t2) = try parseNodes(until: ["endif"])
                        guard t2?.keyword == "endif" else { throw error("`{% if %}` is never closed with `{% endif %}`", at: start) }
                        elseNodes = e
                    }
                    nodes.append(.incrementalIf(negated: negated, then: thenNodes, else: elseNodes))
                case let keyword? where keyword == "else" || keyword == "endif":
                    guard terminators.contains(keyword) else {
                        throw error("`{% \(keyword) %}` without a matching `{% if %}`", at: start)
                    }
                    return (nodes, Terminator(keyword: keyword, location: start))
                default:
                    throw error("unknown block `{% \(inner) %}`", at: start,
                                hint: "models support `{% if is_incremental() %}`, `{% else %}` and `{% endif %}`")
                }
                textLine = line
            } else {
                if text.isEmpty { textLine = line }
                text.append(chars[i])
                advance()
            }
        }
        flush()
        return (nodes, nil)
    }

    private func find(_ s: String) -> Int? {
        let a = Array(s)
        var j = i
        while j + a.count <= chars.count {
            if chars[j] == a[0] && Array(chars[j..<(j + a.count)]) == a { return j }
            j += 1
        }
        return nil
    }

    private mutating func expression(_ text: String, at location: SourceLocation, tagStart: SourceLocation) throws -> ModelTemplate.Node? {
        var tokens = try ExpressionTokens(text, at: location)
        guard let name = tokens.identifier() else { throw error("expected a name inside `{{ }}`", at: tagStart) }
        let known = ["ref", "source", "this", "var", "config"]
        if name == "this" {
            try tokens.end()
            return .this(at: tagStart)
        }
        guard known.contains(name) else {
            throw error("unknown function `\(name)`", at: tagStart,
                        hint: KeySuggestion.nearest(to: name, among: known).map { "did you mean `\($0)`?" }
                            ?? "models know ref, source, this, var and config")
        }
        let args = try tokens.arguments()
        try tokens.end()
        func strings(_ count: ClosedRange<Int>) throws -> [String] {
            let values = args.positional.compactMap { if case let .string(s) = $0 { return s } else { return nil } }
            guard values.count == args.positional.count, count.contains(values.count), args.keyword.isEmpty else {
                throw error("`\(name)` takes \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) or \(count.upperBound)") quoted name(s)", at: tagStart)
            }
            return values
        }
        switch name {
        case "ref": return .ref(try strings(1...1)[0], at: tagStart)
        case "source":
            let v = try strings(2...2)
            return .source(v[0], v[1], at: tagStart)
        case "var":
            let v = try strings(1...2)
            return .variable(v[0], default: v.count > 1 ? v[1] : nil, at: tagStart)
        default: // config
            guard args.positional.isEmpty else { throw error("`config` takes only key=value arguments", at: tagStart) }
            for (key, value) in args.keyword { config[key] = value }
            return nil
        }
    }
}

/// Tokens of a `{{ … }}` expression: names, quoted strings, lists, `k=v`.
struct ExpressionTokens {
    enum Token: Equatable { case name(String), string(String), symbol(Character) }

    struct Arguments {
        var positional: [ModelTemplate.ConfigValue] = []
        var keyword: [(String, ModelTemplate.ConfigValue)] = []
    }

    var tokens: [Token] = []
    var position = 0
    let location: SourceLocation

    init(_ text: String, at location: SourceLocation) throws {
        self.location = location
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c == "'" || c == "\"" {
                var j = i + 1
                var s = ""
                while j < chars.count && chars[j] != c { s.append(chars[j]); j += 1 }
                guard j < chars.count else { throw SpecError(Diagnostic("unterminated string in `{{ }}`", at: location)) }
                tokens.append(.string(s))
                i = j + 1
            } else if c.isLetter || c == "_" {
                var j = i
                var s = ""
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { s.append(chars[j]); j += 1 }
                tokens.append(.name(s))
                i = j
            } else if "()[],=".contains(c) {
                tokens.append(.symbol(c))
                i += 1
            } else {
                throw SpecError(Diagnostic("unexpected `\(c)` in `{{ }}`", at: location,
                                           hint: "arguments are quoted strings, lists of them, true/false, or key=value"))
            }
        }
    }

    mutating func identifier() -> String? {
        guard position < tokens.count, case let .name(n) = tokens[position] else { return nil }
        position += 1
        return n
    }

    mutating func end() throws {
        guard position == tokens.count else { throw SpecError(Diagnostic("unexpected text after the expression in `{{ }}`", at: location)) }
    }

    mutating func expect(_ c: Character) throws {
        guard position < tokens.count, tokens[position] == .symbol(c) else {
            throw SpecError(Diagnostic("expected `\(c)` in `{{ }}`", at: location))
        }
        position += 1
    }

    mutating func arguments() throws -> Arguments {
        var args = Arguments()
        try expect("(")
        if position < tokens.count, tokens[position] == .symbol(")") { position += 1; return args }
        while true {
            if position + 1 < tokens.count, case let .name(key) = tokens[position], tokens[position + 1] == .symbol("=") {
                position += 2
                args.keyword.append((key, try value()))
            } else {
                args.positional.append(try value())
            }
            guard position < tokens.count else { throw SpecError(Diagnostic("`(` is never closed in `{{ }}`", at: location)) }
            if tokens[position] == .symbol(")") { position += 1; return args }
            try expect(",")
        }
    }

    private mutating func value() throws -> ModelTemplate.ConfigValue {
        guard position < tokens.count else { throw SpecError(Diagnostic("missing argument in `{{ }}`", at: location)) }
        switch tokens[position] {
        case let .string(s):
            position += 1
            return .string(s)
        case .name("true"), .name("True"):
            position += 1
            return .bool(true)
        case .name("false"), .name("False"):
            position += 1
            return .bool(false)
        case .symbol("["):
            position += 1
            var items: [String] = []
            while position < tokens.count, tokens[position] != .symbol("]") {
                guard case let .string(s) = tokens[position] else {
                    throw SpecError(Diagnostic("lists in `{{ }}` hold quoted strings", at: location))
                }
                items.append(s)
                position += 1
                if position < tokens.count, tokens[position] == .symbol(",") { position += 1 }
            }
            try expect("]")
            return .list(items)
        default:
            throw SpecError(Diagnostic("expected a quoted string, a list, true or false in `{{ }}`", at: location))
        }
    }
}

import Foundation
