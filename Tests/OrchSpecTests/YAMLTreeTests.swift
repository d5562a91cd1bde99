import Foundation
import PropertyBased
import Testing
@testable import OrchSpec

/// The one-pass reader (`YAMLTree`) against the Yams node tree it replaced:
/// the same value tree, places included, or the same diagnostic.
@Suite("YAML: one pass over libyaml's events reads what Yams' node tree read")
struct YAMLTreeTests {
    /// Compares the two readers on `text`; inputs past a limit or rejected by
    /// libyaml's reader are the new reader's alone (Yams spun on the former).
    static func agree(_ text: String) {
        let new: Result<SpecValue, SpecError>
        do { new = .success(try YAMLDocument.parse(text, file: "f.yml")) } catch let error as SpecError { new = .failure(error) } catch {
            Issue.record("not a SpecError: \(error)")
            return
        }
        if case let .failure(error) = new, let message = error.diagnostics.first?.message,
           message.contains("the limit") || message.hasPrefix("YAML: ") && message.contains(" at byte ") {
            return
        }
        let old: Result<SpecValue, SpecError>
        do { old = .success(try YAMLReference.parse(text, file: "f.yml")) } catch let error as SpecError { old = .failure(error) } catch {
            Issue.record("the reference threw \(error)")
            return
        }
        switch (new, old) {
        case let (.success(a), .success(b)):
            let same = a == b
            #expect(same, "different trees for \(text.debugDescription)")
        case let (.failure(a), .failure(b)):
            let (x, y) = (a.diagnostics.first, b.diagnostics.first)
            #expect(x?.message == y?.message && x?.location == y?.location,
                    "\(text.debugDescription): \(x.map { "\($0)" } ?? "-") vs Yams \(y.map { "\($0)" } ?? "-")")
        default:
            #expect(Bool(false), "\(text.debugDescription): \(new) vs Yams \(old)")
        }
    }

    @Test("every YAML file in the repository")
    func repositoryFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var files: [String] = []
        for folder in ["pipelines", "schedules"] {
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
            while let path = enumerator?.nextObject() as? String {
                if path.hasSuffix(".yml") { files.append("\(folder)/\(path)") }
            }
        }
        #expect(files.count >= 8)
        for file in files { Self.agree(try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)) }
    }

    @Test("anchors, aliases, merge keys, tags, styles, duplicates, several documents, undefined aliases")
    func edgeCases() {
        for text in [
            "a: &x {b: 1, c: [2, 3]}\nd: *x\ne: *x\n", "k: &s v\n*s : 2\nk2: *s\n", "<<: {a: 1}\nb: 2\n",
            "a: !!str 1\nb: !!int 2\nc: !custom 3\n", "a: 'q'\nb: \"d\\n\"\nc: |\n  lit\nd: >\n  fold\ne: plain\n",
            "a: 1\nb: 2\na: 3\nb: 4\n", "'a': 1\na: 2\n", "!x a: 1\na: 2\n", "~: 1\nnull: 2\n", "---\na: 1\n---\nb: 2\n",
            "a: *nope\n", "- &a [1, *a]\n", "? [1, 2]\n: x\n? [1, 2]\n: y\n", "", "# only a comment\n", "---\n", "a: [\n",
            "key: \"\\0nul\"\n", "a:\n  - b: 1\n    b: 2\n", "x: {a: 1, a: 1}\ny: {b: 1, b: 2}\n",
        ] { Self.agree(text) }
    }

    @Test("random token soup and mutated pipelines")
    func random() async {
        await propertyCheck(count: PropertyCases.count, input: SpecFuzzInputs.tokenSoup) { Self.agree($0) }
        await propertyCheck(count: PropertyCases.count, input: SpecFuzzInputs.mutatedPipeline) { Self.agree($0) }
        await propertyCheck(count: PropertyCases.count, input: SpecFuzzInputs.bytes) { Self.agree($0) }
    }
}
