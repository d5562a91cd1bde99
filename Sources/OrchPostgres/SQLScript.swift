/// Splits a SQL script into statements, because PostgresNIO speaks only the
/// extended protocol (one statement per query). Understands what can hide a
/// `;`: quoted strings and identifiers, E'' escapes, dollar quoting, line
/// and (nested) block comments.
public enum SQLScript {
    public struct Statement: Sendable, Hashable {
        public var text: String
        /// 1-based line in the script where the statement starts.
        public var line: Int
        /// Offset (in characters) of the statement's start in the script.
        public var offset: Int
    }

    public static func split(_ script: String) -> [Statement] {
        let chars = Array(script)
        var statements: [Statement] = []
        var start = 0
        var i = 0
        var line = 1
        var startLine = 1
        var sawCode = false

        func flush(upTo end: Int) {
            let text = String(chars[start..<end])
            if sawCode {
                // Skip leading blank lines and comments' lines for the recorded start.
                statements.append(Statement(text: text.trimmingWhitespace(), line: startLine, offset: start))
            }
            sawCode = false
        }

        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            if !sawCode && !c.isWhitespace && c != ";" && !(c == "-" && next == "-") && !(c == "/" && next == "*") {
                sawCode = true
                startLine = line
                start = i
            }
            switch c {
            case "\n":
                line += 1
                i += 1
            case "-" where next == "-":
                while i < chars.count && chars[i] != "\n" { i += 1 }
            case "/" where next == "*":
                var depth = 0
                while i < chars.count {
                    if chars[i] == "/" && i + 1 < chars.count && chars[i + 1] == "*" { depth += 1; i += 2; continue }
                    if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" {
                        depth -= 1; i += 2
                        if depth == 0 { break }
                        continue
                    }
                    if chars[i] == "\n" { line += 1 }
                    i += 1
                }
            case "'", "\"":
                let backslashEscapes = c == "'" && i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                i += 1
                while i < chars.count {
                    if chars[i] == "\n" { line += 1 }
                    if backslashEscapes && chars[i] == "\\" { i += 2; continue }
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c { i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
            case "$":
                // $tag$ … $tag$ where tag is empty or an identifier not starting with a digit.
                var j = i + 1
                while j < chars.count && (chars[j].isLetter || chars[j] == "_" || (chars[j].isNumber && j > i + 1)) { j += 1 }
                if j < chars.count && chars[j] == "$" && !(i > 0 && (chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_")) {
                    let tag = Array(chars[i...j])
                    var k = j + 1
                    var closed = false
                    while k + tag.count <= chars.count {
                        if chars[k] == "$" && Array(chars[k..<(k + tag.count)]) == tag { closed = true; break }
                        k += 1
                    }
                    let end = closed ? k + tag.count : chars.count
                    line += chars[i..<end].filter { $0 == "\n" }.count
                    i = end
                } else {
                    i += 1
                }
            case ";":
                flush(upTo: i)
                i += 1
                start = i
            default:
                i += 1
            }
        }
        if start < chars.count { flush(upTo: chars.count) }
        return statements
    }

    /// The 1-based line in the script of a 1-based character `position`
    /// inside `statement` (as Postgres reports errors).
    public static func line(of position: Int, in statement: Statement, script: String) -> Int {
        let upTo = statement.offset + max(0, position - 1)
        return 1 + script.prefix(upTo).filter { $0 == "\n" }.count
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
