import Foundation
import Testing
import OrchExecution
import OrchPostgres
import OrchRuntime
import OrchStore
import OrchTestSupport
import OrchWarehouse
@testable import OrchWeb

/// Tests, lineage, schedules, segments, catalog and ask, on the real
/// marketing pipeline's store: one good run, then one with bad rows whose
/// data tests fail.
@Suite("web view: tests, lineage, schedules, segments, catalog, ask", .timeLimit(.minutes(5)))
struct SectionPagesTests {
    static let repo = RunPagesTests.repo

    static let schedule = """
    pipeline: ../p.yml
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    """

    @Test("after marketing runs: every page answers with what the store holds")
    func marketingPages() async throws {
        try await WebFixture.with(configure: { _ in }, prepare: { f in
            #expect(try await f.orch(["sample-data", "\(f.dir)/data"]).status == 0)
            #expect(try await f.orch(["run", "\(Self.repo)/pipelines/marketing.yml", "--param", "data_dir=\(f.dir)/data"]).status == 0)
            #expect(try await f.orch(["sample-data", "\(f.dir)/bad", "--bad-rows", "5"]).status == 0)
            let bad = try await f.orch(["run", "\(Self.repo)/pipelines/marketing.yml", "--param", "data_dir=\(f.dir)/bad", "--param", "max_bad_rows=100"])
            #expect(bad.status == 1, "bad rows fail data tests: \(bad.stdout.suffix(400))")
            // A second training on the good data: the segments page compares the two.
            #expect(try await f.orch(["run", "\(Self.repo)/pipelines/marketing.yml", "--param", "data_dir=\(f.dir)/data", "--select", "segments"]).status == 0)
            _ = try f.write("p.yml", "name: nightly_p\ntasks:\n  - { id: a, kind: empty }\n")
            _ = try f.write("schedules/nightly.yml", Self.schedule)
            _ = try f.write("schedules/paused_one.yml", Self.schedule)
            #expect(try await f.orch(["schedules", "pause", "paused_one", "--schedules", "\(f.dir)/schedules"]).status == 0)
        }) { f in
            let runs = try JSONSerialization.jsonObject(with: Data(try await f.orch(["status", "--json"]).stdout.utf8)) as! [String: Any]
            let ids = (runs["runs"] as! [[String: Any]]).map { $0["run_id"] as! String }
            let (good, failed, retrained) = (ids[2], ids[1], ids[0])

            // Tests: the latest run with results by default, failed first, with samples and the SQL.
            let tests = try await f.get("/tests")
            #expect(tests.status == 200 && tests.body.contains(failed))
            let firstFail = try #require(tests.body.range(of: "badge s-fail"))
            #expect(tests.body.range(of: "badge s-pass").map { firstFail.lowerBound < $0.lowerBound } ?? true, "failed tests first")
            #expect(tests.body.contains("sample rows") && tests.body.lowercased().contains("select"))
            let goodTests = try await f.get("/tests?run=\(good)")
            #expect(goodTests.body.contains("not_null_stg_customers_customer_id") && !goodTests.body.contains("badge s-fail"))
            #expect(try await f.get("/tests?run=\(good)&failed=1").body.contains("<tbody></tbody>"))
            #expect(try await f.get("/tests?run=20991231T000000Z-000000").status == 404)

            // Lineage: the list, one dataset's graph both ways, a short name, an unknown one.
            #expect(try await f.get("/lineage").body.contains("analytics.fct_sales"))
            let lineage = try await f.get("/lineage?dataset=fct_sales")
            #expect(lineage.status == 200 && lineage.body.contains("<svg") && lineage.body.contains("raw.online_sales")
                    && lineage.body.contains("analytics.customer_segments"), "upstream and downstream of fct_sales")
            #expect(lineage.body.contains("/run/\(good)"), "the run that last produced each")
            let unknown = try await f.get("/lineage?dataset=fct_sale")
            #expect(unknown.status == 404 && unknown.body.contains("analytics.fct_sales"), "the nearest name")

            // Segments: five, with sizes adding up to the customers, centroids, a bar chart.
            let segments = try await f.get("/segments")
            #expect(segments.status == 200 && segments.body.contains("<svg") && segments.body.contains("/run/\(retrained)"))
            #expect(segments.body.contains("against the training of") && segments.body.contains("/run/\(good)"), "compared with the one before")
            #expect(segments.body.contains("(+0)") || segments.body.contains("(=)"), "same data, same segments: no change")
            let rows = segments.body.matches(of: /<tr><td>(\d)<\/td><td><b>[^<]+<\/b><\/td><td class="num">(\d+)/)
            #expect(rows.count == 5)
            let customers = try await Store.with(f.db) { try await $0.warehouse.rows("SELECT count(*)::text FROM analytics.customer_segments") }
            #expect(rows.map { Int($0.2)! }.reduce(0, +) == Int(customers[0][0] ?? "") ?? -1)

            // Catalog and Ask.
            let catalog = try await f.get("/catalog")
            #expect(catalog.status == 200 && catalog.body.contains("total_revenue") && catalog.body.contains("id=\"aliases\""))
            let ask = try await f.get("/ask?q=revenue+by+month")
            #expect(ask.status == 200 && ask.body.contains("class=\"chart\"") && ask.body.contains("class=\"line\""))
            let table = try #require(ask.body.firstMatch(of: /<table id="answer">(.*?)<\/table>/.dotMatchesNewlines()))
            let values = table.1.matches(of: /<tr><td>[^<]*<\/td><td class="num">([-0-9.]+)<\/td><\/tr>/).map { Double($0.1)! }
            #expect(values.count == 12)
            let total = try await Store.with(f.db) { try await $0.warehouse.rows("SELECT sum(total_amount)::float8::text FROM analytics.fct_sales") }
            #expect(abs(values.reduce(0, +) - (Double(total[0][0] ?? "") ?? 0)) < 1, "12 months that sum to fct_sales' total")
            let top = try await f.get("/ask?q=top%2010%20customers%20by%20revenue")
            #expect(top.status == 200 && top.body.contains("class=\"bar\""))
            #expect(try await f.get("/ask?q=total+revenue").body.contains("class=\"big\""))
            let nonsense = try await f.get("/ask?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            #expect(nonsense.status == 400 && !nonsense.body.contains("<script>alert") && nonsense.body.contains("&lt;script&gt;"))

            // Schedules: next fires in the schedule's zone and in UTC.
            let schedules = try await f.get("/schedules")
            #expect(schedules.status == 200 && schedules.body.contains("nightly") && schedules.body.contains("Europe/Berlin"))
            #expect(schedules.body.matches(of: /02:30:00 \+0[12]:00<\/td><td>[0-9-]+ 0[01]:30:00 UTC/).count == 5, "five for nightly, none for the paused one")
            #expect(schedules.body.contains("paused</h2>") && schedules.body.contains("No next fire while paused"))

            for path in ["/tests", "/lineage?dataset=fct_sales", "/segments", "/catalog", "/ask?q=revenue+by+month", "/schedules"] {
                #expect(!(try await f.get(path)).body.contains("&lt;/"), "markup shown as text on \(path)")
            }
        }
    }

    static let hostile = "<script>alert(1)</script>"

    @Test("hostile names in the store (a test, a model, a dataset, sample rows, SQL) show as text on the tests and lineage pages")
    func hostileNames() async throws {
        try await WebFixture.with(prepare: { f in
            try await Store.with(f.db) { store in
                let start = Date(), h = Self.hostile
                let info = RunInfo(id: "20261207T000000Z-aaaaaa", pipeline: "evil", pipelineFile: "/nonexistent.yml", trigger: .manual,
                                   logicalTime: start, params: [:], specHash: "h", host: "h", pid: 1, directory: "/nonexistent",
                                   tasks: ["t", "load"], startedAt: start)
                try await store.runs.start(info)
                let token = info.owner.token
                for task in ["t", "load"] {
                    try await store.runs.startAttempt(run: info.id, token: token, task: task, attempt: 1, at: start, logPath: "/nonexistent/\(task).log")
                }
                let result = TestResult(test: h, testType: "custom", model: h, column: h, severity: .error, status: .fail, failingRows: 1,
                                        sampleRows: "[{\"x\": \"\(h)\"}]", sql: "select '\(h)'", message: h)
                try await store.runs.finishAttempt(run: info.id, token: token, AttemptRecord(
                    task: "t", attempt: 1, status: .failed, startedAt: start, finishedAt: start, logPath: "/nonexistent/t.log",
                    output: TaskOutput(testResult: result)))
                try await store.runs.finishAttempt(run: info.id, token: token, AttemptRecord(
                    task: "load", attempt: 1, status: .succeeded, startedAt: start, finishedAt: start, logPath: "/nonexistent/load.log",
                    output: TaskOutput(lineage: [LineageEdge(source: "raw.\(h)", target: "analytics.\(h)")])))
                try await store.runs.finish(run: info.id, token: token, status: .failed, at: start, message: nil)
            }
        }) { f in
            let dataset = "analytics.\(Self.hostile)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            for path in ["/tests", "/lineage", "/lineage?dataset=\(dataset)"] {
                let page = try await f.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(!page.body.contains("<script>alert") && page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path)")
            }
        }
    }

    @Test("an empty store: each page says what is missing, no error page")
    func emptyStore() async throws {
        try await WebFixture.with { f in
            for path in ["/tests", "/lineage", "/segments", "/catalog", "/schedules", "/ask"] {
                let page = try await f.get(path)
                #expect(page.status == 200, "\(path)")
            }
            #expect(try await f.get("/segments").body.contains("No segmentation yet"))
            #expect(try await f.get("/ask?q=revenue+by+month").status == 400)
        }
    }
}
