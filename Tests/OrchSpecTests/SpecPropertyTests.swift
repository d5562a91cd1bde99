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
}
