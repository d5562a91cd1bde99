import PropertyBased
import Foundation

/// Generated inputs for the YAML loader and the pipeline parser: random
/// bytes, YAML-ish token soups, and mutations of a valid pipeline.
///
/// No duration fields (`timeout`, `retry_delay`, `max_retry_delay`) appear:
/// `DurationText.parse` still traps on `inf` and numbers past Int64
/// milliseconds, and that file is being changed by another engineer.
enum SpecFuzzInputs {
    static let validPipeline = """
    name: demo
    description: a demo pipeline
    params:
      data_dir: data
      limit: 10
    defaults: { retries: 2, backoff: fixed, jitter: false }
    on_failure: { command: "echo failed {{ run.id }}", retries: 1 }
    tasks:
      - id: extract
        kind: command
        command: "ls {{ params.data_dir }}"
        writes: [raw.sales]
        tags: [ingest, nightly]
      - id: stage
        kind: sql
        after: [extract]
        reads: raw.sales
        writes: [stg.sales]
        retries: 3
        sql: select * from raw.sales limit {{ params.limit }}
      - id: report
        kind: command
        after: [stage]
        command: echo done
    """

    static let keys = ["name", "tasks", "id", "kind", "after", "reads", "writes", "tags", "description", "retries",
                       "backoff", "jitter", "params", "defaults", "on_failure", "webhook", "command", "sql", "x", "a"]
    static let structure = [": ", ":", "\n", "\n  ", "\n    ", "- ", "-", "[", "]", "{", "}", ", ", "? ", "&a ", "*a",
                            "&b ", "*b", "!!str ", "!!int ", "!!map ", "|\n", ">\n", " # c", "'", "\"", "---\n", "...\n",
                            "%YAML 1.2\n", "\t", "\\", "@", "`", "%", "<<: ", " "]
    static let values = ["99999999999999999999", "9223372036854775807", "-9223372036854775808", "1e16", "1e308", "inf",
                         ".inf", "-.inf", "nan", ".NaN", "0x1F", "0o17", "-0", "true", "no", "null", "~", "\"\"",
                         "{{ params.x }}", "{{", "}}", "{{ run.id }}", "{{ env.HOME }}", "é", "🙂", "\u{0}", "\u{FEFF}",
                         "fixed", "exponential", "command", String(repeating: "z", count: 300)]
    static let weird = ["99999999999999999999", "1e16", "inf", "-inf", "nan", "-1", "0", "1e308", "0.5", "9223372036854775807"]

    /// 0 to 300 random bytes, decoded as UTF-8 (invalid sequences become U+FFFD).
    static let bytes = Generator(run: { rng in
        let count = Int.random(in: 0...300, using: &rng)
        return String(decoding: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }, as: UTF8.self)
    })

    /// 1 to 80 tokens of keys, YAML punctuation and awkward values.
    static let tokenSoup = Generator(run: { rng in
        let pools = [keys, structure, values]
        return (0..<Int.random(in: 1...80, using: &rng)).map { _ in
            let pool = pools[Int.random(in: 0..<pools.count, using: &rng)]
            return pool[Int.random(in: 0..<pool.count, using: &rng)]
        }.joined()
    })

    /// The valid pipeline with 1 to 4 mutations.
    static let mutatedPipeline = Generator(run: { rng in
        var text = validPipeline
        for _ in 0..<Int.random(in: 1...4, using: &rng) { text = mutate(text, &rng) }
        return text
    })

    /// "Billion laughs" of 2 to 9 levels placed before, inside or instead of a pipeline.
    static let aliasBombs = Generator(run: { rng in
        let levels = Int.random(in: 2...9, using: &rng)
        var lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1..<levels {
            lines.append("l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        let bomb = lines.joined(separator: "\n") + "\n"
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return bomb + validPipeline
        case 1: return validPipeline.replacingOccurrences(of: "tags: [ingest, nightly]", with: "tags: *l\(levels - 1)")
            .replacingOccurrences(of: "tasks:\n", with: bomb + "tasks:\n")
        default: return bomb + "k: { *l\(levels - 1) : x }\n"
        }
    })

    static func mutate(_ text: String, _ rng: inout any SeededRandomNumberGenerator) -> String {
        var lines = text.components(separatedBy: "\n")
        let line = Int.random(in: 0..<lines.count, using: &rng)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: lines.remove(at: line)
        case 1: lines.insert(lines[line], at: line)
        case 2: lines.swapAt(line, Int.random(in: 0..<lines.count, using: &rng))
        case 3: lines[line] = lines[line].hasPrefix("  ") ? String(lines[line].dropFirst(2)) : "  " + lines[line]
        case 4: // swap two neighbouring characters
            var chars = Array(lines[line])
            if chars.count > 1 {
                let i = Int.random(in: 0..<(chars.count - 1), using: &rng)
                chars.swapAt(i, i + 1)
            }
            lines[line] = String(chars)
        case 5: // a number becomes a huge or odd one
            let odd = weird[Int.random(in: 0..<weird.count, using: &rng)]
            lines[line] = lines[line].replacingOccurrences(of: #"[0-9]+"#, with: odd, options: .regularExpression)
        case 6: // a value becomes deeply nested
            let depth = Int.random(in: 30...90, using: &rng)
            let nested = Bool.random(using: &rng)
                ? String(repeating: "[", count: depth) + "x" + String(repeating: "]", count: depth)
                : String(repeating: "{a: ", count: depth) + "x" + String(repeating: "}", count: depth)
            if let colon = lines[line].range(of: ": ") { lines[line] = lines[line][..<colon.upperBound] + nested }
        case 7: // an anchor on a value, aliases elsewhere
            if let colon = lines[line].range(of: ": ") { lines[line].insert(contentsOf: "&m ", at: colon.upperBound) }
            let other = Int.random(in: 0..<lines.count, using: &rng)
            if let colon = lines[other].range(of: ": ") { lines[other] = lines[other][..<colon.upperBound] + "*m" }
        case 8: // a token pasted anywhere in the line
            let pool = structure + values
            let token = pool[Int.random(in: 0..<pool.count, using: &rng)]
            let chars = Array(lines[line])
            let at = Int.random(in: 0...chars.count, using: &rng)
            lines[line] = String(chars[..<at]) + token + String(chars[at...])
        default: // cut the file short
            lines = Array(lines[...line])
        }
        return lines.joined(separator: "\n")
    }
}
