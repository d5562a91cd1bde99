import Foundation
import Testing
import OrchTestSupport
@testable import OrchWeb

@Suite("web view: runs", .timeLimit(.minutes(3)))
struct RunPagesTests {
    @Test("the runs page lists a run, and its run page answers")
    func runsPageListsRuns() async throws {
        try await WebFixture.with(prepare: { f in
            let p = try f.write("p.yml", "name: webt\ntasks:\n  - { id: a, kind: empty }\n")
            #expect(try await f.orch(["run", p]).status == 0)
        }) { f in
            let id = try await f.lastRunID()
            let page = try await f.get("/")
            #expect(page.status == 200)
            #expect(page.body.contains(id))
            #expect(try await f.get("/run/\(id)").status == 200)
            #expect(try await f.get("/run/nope").status == 404)
        }
    }
}
