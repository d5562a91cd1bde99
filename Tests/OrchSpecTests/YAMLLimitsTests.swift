import Foundation
import Testing
@testable import OrchSpec

/// Issue 10: YAML that expands without bound through aliases, nests too deep
/// or is simply too big is a diagnostic with a place, found before anything
/// is expanded (a "billion laughs" file used to make `orch validate` spin).
@Suite("YAML limits: file size, alias expansion, nesting depth")
struct YAMLLimitsTests {
    /// The limits as `YAMLDocument` states them, written out here so a
    /// change to them is a deliberate change to the tests too.
    static let nodeLimit = 100_000, depthLimit = 64, byteLimit = 10 * 1024 * 1024

    /// "Billion laughs": level 0 lists nine scalars, each later level lists
    /// the previous one nine times, so level n expands to 9^(n+1) scalars.
    static func laughs(levels: Int, key: String = "a") -> String {
        var lines = ["\(key)0: &\(key)0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1..<levels {
            let refs = Array(repeating: "*\(key)\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("\(key)\(level): &\(key)\(level) [\(refs)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func diagnostics(_ yaml: String, file: String = "bomb.yml") -> [Diagnostic] {
        do {
            _ = try YAMLDocument.parse(yaml, file: file)
            return []
        } catch let e as SpecError {
            return e.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    /// Runs `body` and returns how long it took, so a test can say "and quickly".
    func timed(_ body: () -> Void) -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        body()
        return clock.now - start
    }

    @Test("an alias expansion past the node limit is an error at the alias that crosses it")
    func moderateBomb() throws {
        // 9^6 = 531,441 scalars: small enough to expand, too big to accept.
        let d = try #require(diagnostics(Self.laughs(levels: 6)).first)
        #expect(d.message.contains("\(Self.nodeLimit)"), "\(d.message)")
        #expect(d.message.contains("alias"), "\(d.message)")
        #expect(d.location?.file == "bomb.yml")
        #expect(d.location?.line == 6)
        #expect(d.hint != nil)
    }

    @Test("nine levels of laughs (387 million scalars) are refused at once")
    func billionLaughs() throws {
        var found: [Diagnostic] = []
        let took = timed { found = diagnostics(Self.laughs(levels: 9)) }
        let d = try #require(found.first)
        #expect(d.message.contains("\(Self.nodeLimit)"), "\(d.message)")
        #expect(took < .seconds(2), "took \(took)")
    }

    @Test("an aliased mapping key is refused before Yams hashes it (hashing expands it)")
    func aliasAsMappingKey() throws {
        var found: [Diagnostic] = []
        let yaml = Self.laughs(levels: 8) + "k: { *a7 : x }\n"
        let took = timed { found = diagnostics(yaml) }
        #expect(found.contains { $0.message.contains("\(Self.nodeLimit)") }, "\(found)")
        #expect(took < .seconds(2), "took \(took)")
    }

    @Test("a chain of aliases nesting past the depth limit is an error")
    func aliasChainDepth() throws {
        var lines = ["d0: &d0 x"]
        for n in 1...100 { lines.append("d\(n): &d\(n) [*d\(n - 1)]") }
        let d = try #require(diagnostics(lines.joined(separator: "\n")).first)
        #expect(d.message.contains("nest"), "\(d.message)")
        #expect(d.message.contains("\(Self.depthLimit)"), "\(d.message)")
        #expect((d.location?.line ?? 0) > 1)
    }

    @Test("literal nesting past the depth limit is an error on its line")
    func literalDepth() throws {
        let deep = "name: x\nv: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        let d = try #require(diagnostics(deep).first)
        #expect(d.message.contains("nest"), "\(d.message)")
        #expect(d.location?.line == 2)
    }

    @Test("a file larger than the size limit is refused without parsing")
    func fileSize() throws {
        let big = String(repeating: "# padding padding padding\n", count: Self.byteLimit / 26 + 10)
        var found: [Diagnostic] = []
        let took = timed { found = diagnostics(big) }
        let d = try #require(found.first)
        #expect(d.message.contains("MiB"), "\(d.message)")
        #expect(d.location?.line == 1)
        #expect(took < .seconds(2), "took \(took)")
    }

    @Test("aliases within the limits still expand to their anchors")
    func aliasesStillWork() throws {
        let value = try YAMLDocument.parse("base: &b [x, y]\ncopy: *b\n", file: "ok.yml")
        guard case let .map(pairs) = value.kind, pairs.count == 2, case let .list(items) = pairs[1].value.kind else {
            Issue.record("unexpected shape \(value)")
            return
        }
        #expect(items.map(\.scalar) == ["x", "y"])
    }

    @Test("a document of exactly the depth limit is accepted")
    func depthAtLimit() throws {
        // The root mapping is level 1, its value's lists the rest.
        let lists = Self.depthLimit - 2
        let yaml = "v: " + String(repeating: "[", count: lists) + "x" + String(repeating: "]", count: lists) + "\n"
        _ = try YAMLDocument.parse(yaml, file: "ok.yml")
    }

    @Test("pipelines go through the same limits")
    func pipelineBomb() throws {
        do {
            _ = try PipelineParser.parse(Self.laughs(levels: 6) + "name: x\ntasks: []\n", file: "p.yml")
            Issue.record("expected an error")
        } catch let e as SpecError {
            #expect(e.diagnostics.contains { $0.message.contains("alias") && $0.location?.file == "p.yml" }, "\(e)")
        }
    }
}
