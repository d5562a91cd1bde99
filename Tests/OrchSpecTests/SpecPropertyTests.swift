import Foundation
import PropertyBased
import Testing
@testable import OrchSpec

/// Whatever the bytes, loading a pipeline ends, quickly, in a spec or in
/// diagnostics that each say where: never a crash, a hang or a bare error.
@Suite("Pipeline loading properties")
struct SpecPropertyTests {
    /// Generous for a 2-core machine running tests in parallel; a real hang is minutes.
    static let timeBound = Duration.seconds(2)

    func checkLoads(_ text: String) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let spec = try PipelineParser.parse(text, file: "fuzz.yml")
            #expect(!spec.tasks.isEmpty && !spec.name.isEmpty)
            #expect(spec.specHash.count == 16)
        } catch let error as SpecError {
            #expect(!error.diagnostics.isEmpty)
            for d in error.diagnostics {
                let location = d.location
                #expect(location?.file == "fuzz.yml" && (location?.line ?? 0) >= 1 && (location?.column ?? 0) >= 1,
                        "\(d) has no place in the file")
            }
        } catch {
            Issue.record("not a SpecError: \(error)")
        }
        #expect(clock.now - start < Self.timeBound, "took \(clock.now - start)")
    }

    @Test("random bytes")
    func randomBytes() async {
        await propertyCheck(count: PropertyCases.count, input: SpecFuzzInputs.bytes) { checkLoads($0) }
    }

    @Test("YAML-ish token soups")
    func tokenSoups() async {
        await propertyCheck(count: PropertyCases.count, input: SpecFuzzInputs.tokenSoup) { checkLoads($0) }
    }

    @Test("mutations of a valid pipeline")
    func mutations() async {
        await propertyCheck(count: PropertyCases.count, input: SpecFuzzInputs.mutatedPipeline) { checkLoads($0) }
    }

    @Test("alias bombs in and around a pipeline")
    func aliasBombs() async {
        await propertyCheck(count: PropertyCases.share(0.25, minimum: 20), input: SpecFuzzInputs.aliasBombs) { checkLoads($0) }
    }

    @Test("the unmutated pipeline loads, so mutations start from something valid")
    func baseIsValid() throws {
        let spec = try PipelineParser.parse(SpecFuzzInputs.validPipeline, file: "fuzz.yml")
        #expect(spec.tasks.map(\.id) == ["extract", "stage", "report"])
    }

    @Test("any YAML text gives a value tree or a located diagnostic, also for schedules-like and catalog-like files")
    func yamlDocument() async {
        await propertyCheck(count: PropertyCases.count, input: SpecFuzzInputs.tokenSoup) { text in
            do {
                _ = try YAMLDocument.parse(text, file: "any.yml")
            } catch let error as SpecError {
                #expect(error.diagnostics.allSatisfy { $0.location?.file == "any.yml" })
            } catch {
                Issue.record("not a SpecError: \(error)")
            }
        }
    }

    /// Nested values of awkward strings: quotes, backslashes, control characters, non-ASCII.
    static let plainValues = Generator(run: { rng in
        let pieces = ["a", "\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", "é", "😀", " ", "{", ":", ","]
        func text(_ rng: inout some RandomNumberGenerator) -> String {
            (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
        }
        func value(_ depth: Int, _ rng: inout some RandomNumberGenerator) -> PlainValue {
            switch depth > 2 ? 0 : Int.random(in: 0..<4, using: &rng) {
            case 0: return .string(text(&rng))
            case 1: return .null
            case 2: return .list((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth + 1, &rng) })
            default: return .map((0..<Int.random(in: 0...3, using: &rng)).map { _ in (text(&rng), value(depth + 1, &rng)) })
            }
        }
        return value(0, &rng)
    })

    /// What `canonical` means, independently: JSON (keys in order) that reads back as the same value.
    static func decoded(_ json: Any) -> PlainValue? {
        switch json {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let items as [Any]:
            let values = items.compactMap(decoded)
            return values.count == items.count ? .list(values) : nil
        default: return nil
        }
    }

    @Test("a spec value's canonical text is JSON that reads back as the same value")
    func canonicalIsJSON() async {
        await propertyCheck(count: PropertyCases.count, input: Self.plainValues) { value in
            let text = value.canonical
            let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(parsed != nil, "not JSON: \(text)")
            // Maps read back unordered from JSONSerialization: compare what has no map exactly, the rest by keys.
            if let parsed, let back = Self.decoded(parsed) {
                #expect(back == value, "\(text)")
            } else if case let .map(pairs) = value, let object = parsed as? [String: Any] {
                #expect(Set(object.keys) == Set(pairs.map(\.0)) || pairs.count != Set(pairs.map(\.0)).count)
            }
        }
    }
}
