import Foundation
import Testing
@testable import OrchSpec

/// Issue 10: inputs the validator used to accept (or choke on).
@Suite("Pipeline validation holes")
struct PipelineValidationHoleTests {
    func errors(_ yaml: String) -> [Diagnostic] {
        do {
            _ = try PipelineParser.parse(yaml, file: "p.yml")
            return []
        } catch let e as SpecError {
            return e.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test("a task listing itself in after: is a cycle a → a, at the after: item")
    func selfLoop() throws {
        let diagnostics = errors("""
        name: x
        tasks:
          - id: a
            kind: command
          - id: b
            kind: command
            after: [a, b]
        """)
        let d = try #require(diagnostics.first { $0.message.contains("cycle") })
        #expect(d.message == "dependency cycle: b → b", "\(d.message)")
        #expect(d.location == SourceLocation(file: "p.yml", line: 7, column: 16))
        #expect(d.hint != nil)
    }

    @Test("a single after: naming the task itself is a cycle too")
    func selfLoopScalar() throws {
        let diagnostics = errors("name: x\ntasks:\n  - id: a\n    kind: command\n    after: a\n")
        #expect(diagnostics.contains { $0.message == "dependency cycle: a → a" && $0.location?.line == 5 }, "\(diagnostics)")
    }

    @Test("a task that reads and writes the same dataset (incremental) is no cycle")
    func incrementalIsNoCycle() throws {
        let spec = try PipelineParser.parse("""
        name: x
        tasks:
          - id: inc
            kind: command
            reads: [t]
            writes: [t]
        """, file: "p.yml")
        #expect(spec.tasks.map(\.id) == ["inc"])
    }

    @Test("retries past the cap are an error, not an overflow at run time")
    func hugeRetries() throws {
        let diagnostics = errors("name: x\ntasks:\n  - id: a\n    kind: command\n    retries: 9223372036854775807\n")
        let d = try #require(diagnostics.first)
        #expect(d.message.contains("at most"), "\(d.message)")
        #expect(d.location?.line == 5)
        let tooBig = errors("name: x\ntasks:\n  - id: a\n    kind: command\n    retries: 99999999999999999999\n")
        #expect(tooBig.first?.message.contains("whole number") == true, "\(tooBig)")
        let alert = errors("name: x\non_failure: { command: 'true', retries: 9223372036854775807 }\ntasks:\n  - id: a\n    kind: command\n")
        #expect(alert.first?.message.contains("at most") == true, "\(alert)")
    }

    @Test("a missing dependency with a very long name is reported quickly")
    func longNames() throws {
        // Suggestions compare names by edit distance; two 20,000-character
        // names must not build a 20,000 × 20,000 table.
        let long = String(repeating: "a", count: 20_000)
        let clock = ContinuousClock()
        let start = clock.now
        let diagnostics = errors("name: x\ntasks:\n  - id: \(long)\n    kind: command\n  - id: b\n    kind: command\n    after: [\(long)b]\n")
        #expect(clock.now - start < .seconds(2))
        #expect(diagnostics.contains { $0.message.contains("is not a task") }, "\(diagnostics.map(\.message))")
    }

    @Test("suggestions skip candidates too different in length to be typos")
    func suggestionsByLength() {
        #expect(KeySuggestion.nearest(to: "ab", among: ["abcdefgh"]) == nil)
        #expect(KeySuggestion.nearest(to: "retries", among: ["retires"]) == "retires")
    }
}
