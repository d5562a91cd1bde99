import PropertyBased
import Testing
@testable import OrchSpec

/// The `{{ … }}` language on generated text: a result or a diagnostic at the
/// given place, and literal text comes back as it went in.
@Suite("Template properties")
struct TemplatePropertyTests {
    static let here = SourceLocation(file: "p.yml", line: 7, column: 3)
    static let context = TemplateContext(params: ["dir": "data", "n": "3"], env: ["HOME": "/root"],
                                         run: ["id": "r1", "logical_time": "2026-01-01T00:00:00Z", "trigger": "manual"],
                                         pipeline: ["name": "demo", "dir": "pipelines"])
    static let pieces = ["{{", "}}", "{", "}", " ", "params.", "env.", "run.", "pipeline.", "dir", "n", "HOME", "id", "name",
                         "nope", ".", "x", "{{{", "}}}", "\n", "é", "🙂", "\u{0}", "{{ params.dir }}", "{{ run.id }}"]
    static let literalPieces = ["a", " ", "{", "}", "} {", "}}", "$", "%", "é", "🙂", "\n", "params.dir", "{ {", "\u{0}"]

    static func soup(_ pieces: [String], count: ClosedRange<Int>) -> Generator<String, Shrink.None<String>> {
        Generator(run: { rng in
            (0..<Int.random(in: count, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
        })
    }

    @Test("random text with braces and names renders or fails at its place")
    func randomTemplates() async {
        await propertyCheck(count: PropertyCases.count, input: Self.soup(Self.pieces, count: 0...30)) { text in
            do {
                _ = try Template.render(text, context: Self.context, at: Self.here)
            } catch let d as Diagnostic {
                #expect(d.location == Self.here)
            } catch {
                Issue.record("not a Diagnostic: \(error)")
            }
            do {
                try Template.check(text, params: ["dir", "n"], at: Self.here)
            } catch let d as Diagnostic {
                #expect(d.location == Self.here)
            } catch {
                Issue.record("not a Diagnostic: \(error)")
            }
        }
    }

    @Test("text without `{{` renders to itself")
    func literalText() async {
        await propertyCheck(count: PropertyCases.count, input: Self.soup(Self.literalPieces, count: 0...30)) { text throws in
            guard !text.contains("{{") else { return }
            #expect(try Template.render(text, context: Self.context, at: Self.here) == text)
        }
    }

    @Test("known names between literal pieces render to the pieces and the values")
    func knownNames() async {
        let names = [("params.dir", "data"), ("params.n", "3"), ("env.HOME", "/root"), ("run.id", "r1"), ("pipeline.name", "demo")]
        let parts = Generator(run: { rng in
            (0..<Int.random(in: 1...6, using: &rng)).map { _ -> (String, String) in
                let literal = Self.literalPieces[Int.random(in: 0..<Self.literalPieces.count, using: &rng)]
                let (name, value) = names[Int.random(in: 0..<names.count, using: &rng)]
                let spaces = String(repeating: " ", count: Int.random(in: 0...2, using: &rng))
                // A literal ending in `{` would join the opening braces into `{{{`.
                let safe = literal.hasSuffix("{") ? literal + " " : literal
                return (safe + "{{" + spaces + name + spaces + "}}", safe + value)
            }
        })
        await propertyCheck(count: PropertyCases.count, input: parts) { parts throws in
            let template = parts.map(\.0).joined(), expected = parts.map(\.1).joined()
            #expect(try Template.render(template, context: Self.context, at: Self.here) == expected)
        }
    }
}
