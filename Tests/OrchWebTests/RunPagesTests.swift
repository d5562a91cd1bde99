import Foundation
import Testing
import OrchExecution
import OrchPostgres
import OrchRuntime
import OrchWarehouse
import OrchStore
import OrchTestSupport
@testable import OrchWeb

/// The runs list and the run page, served by the real server from a real
/// store that real `orch run`s wrote.
@Suite("web view: runs and run pages", .timeLimit(.minutes(5)))
struct RunPagesTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let small = "name: webt\ntasks:\n  - { id: a, kind: empty }\n  - { id: b, kind: empty, after: [a] }\n"
    static let failing = """
    name: webfail
    tasks:
      - { id: a, kind: empty }
      - { id: broken, kind: command, command: "echo 'half done'; exit 3", after: [a] }
      - { id: after_broken, kind: empty, after: [broken] }
    """

    @Test("the runs page lists runs newest first, filters them, pages through them without overlap; unknown runs are 404")
    func runsPage() async throws {
        try await WebFixture.with(prepare: { f in
            let ok = try f.write("ok.yml", Self.small), bad = try f.write("bad.yml", Self.failing)
            for _ in 0..<3 { #expect(try await f.orch(["run", ok]).status == 0) }
            #expect(try await f.orch(["run", bad]).status == 1)
        }) { f in
            let status = try JSONSerialization.jsonObject(with: Data(try await f.orch(["status", "--json"]).stdout.utf8)) as! [String: Any]
            let ids = (status["runs"] as! [[String: Any]]).map { $0["run_id"] as! String }
            #expect(ids.count == 4)
            let page = try await f.get("/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            let positions = ids.compactMap { page.body.range(of: $0)?.lowerBound }
            #expect(positions.count == 4 && positions == positions.sorted(), "every run, newest first")

            let failed = try await f.get("/?status=failed")
            #expect(failed.body.contains(ids[0]) && !failed.body.contains(ids[1]))
            let byPipeline = try await f.get("/?pipeline=webt")
            #expect(!byPipeline.body.contains(ids[0]) && ids[1...].allSatisfy { byPipeline.body.contains($0) })
            #expect(try await f.get("/?trigger=manual").body.contains(ids[3]))
            #expect(try await f.get("/?status=bogus").status == 400)

            // Two a page: the second page starts after the first's last run, and the pages cover every run once.
            let first = try await f.get("/?limit=2")
            let next = try #require(first.body.firstMatch(of: /rel="next" href="([^"]+)"/)).1
            let second = try await f.get(String(next).replacingOccurrences(of: "&amp;", with: "&"))
            let third = try await f.get("/?limit=2&after=\(ids[3])")
            for (i, id) in ids.enumerated() {
                #expect([first, second].filter { $0.body.contains("/run/\(id)") }.count == 1, "run \(i) on exactly one page")
            }
            #expect(ids[..<2].allSatisfy { first.body.contains("/run/\($0)") }, "the first page holds the newest")
            #expect(third.status == 200 && !third.body.contains("href=\"/run/"), "nothing after the oldest")
            #expect(try await f.get("/run/20991231T000000Z-000000").status == 404)
            #expect(try await f.get("/run/\(ids[0])/log/broken/9").status == 404)
        }
    }

    @Test("a failed run's page: the report with the resume command, the DAG coloured by state, every attempt in the timeline, the whole log")
    func failedRunPage() async throws {
        try await WebFixture.with(prepare: { f in
            let bad = try f.write("bad.yml", Self.failing.replacingOccurrences(of: "exit 3\"", with: "exit 3\", retries: 2, retry_delay: 10ms"))
            #expect(try await f.orch(["run", bad]).status == 1)
        }) { f in
            let id = try await f.lastRunID()
            let page = try await f.get("/run/\(id)")
            #expect(page.status == 200)
            let body = page.body
            #expect(body.contains("id=\"report\"") && body.contains("orch retry \(id)"))
            #expect(body.contains("<g class=\"n-failed\"><title>broken: failed"))
            #expect(body.contains("<g class=\"n-upstream_failed\"><title>after_broken: upstream_failed"))
            #expect(body.contains("<g class=\"n-succeeded\"><title>a: succeeded"))
            for attempt in 1...3 { #expect(body.contains("<title>broken attempt \(attempt): failed")) }
            #expect(body.contains("half done"), "the log tail")
            #expect(try await f.get("/run/\(String(id.prefix(18)))").status == 200, "a unique prefix names the run")
            let log = try await f.get("/run/\(id)/log/broken/2")
            #expect(log.status == 200 && log.headers["content-type"]?.hasPrefix("text/plain") == true && log.body.contains("half done"))
            #expect(!body.contains("data-refresh"), "a finished run does not reload itself")
        }
    }

    @Test("the marketing pipeline with one failing model: that node failed, what reads it upstream_failed, its retries in the timeline")
    func marketingRunWithFailedModel() async throws {
        try await WebFixture.with(prepare: { f in
            let copy = "\(f.dir)/pipeline"
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(Self.repo)/pipelines/marketing", toPath: "\(copy)/marketing")
            let yaml = try String(contentsOfFile: "\(Self.repo)/pipelines/marketing.yml", encoding: .utf8)
            try yaml.replacingOccurrences(of: "retry_delay: 2s", with: "retry_delay: 10ms").write(toFile: "\(copy)/marketing.yml", atomically: true, encoding: .utf8)
            // A retryable failure (serialization_failure) in dim_products: three attempts, then failed.
            let model = "\(copy)/marketing/models/marts/dim_products.sql"
            try (try String(contentsOfFile: model, encoding: .utf8) + "\nwhere public.orch_test_flaky() = 1\n").write(toFile: model, atomically: true, encoding: .utf8)
            try await Store.with(f.db) { store in
                _ = try await store.warehouse.rows("""
                CREATE FUNCTION public.orch_test_flaky() RETURNS int LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'could not serialize access (test)' USING ERRCODE = 'serialization_failure'; END $$
                """)
            }
            #expect(try await f.orch(["sample-data", "\(f.dir)/data"]).status == 0)
            #expect(try await f.orch(["run", "\(copy)/marketing.yml", "--param", "data_dir=\(f.dir)/data"]).status == 1)
        }) { f in
            let id = try await f.lastRunID()
            let body = try await f.get("/run/\(id)").body
            #expect(body.contains("<g class=\"n-failed\"><title>dim_products: failed"))
            #expect(body.contains("<g class=\"n-upstream_failed\"><title>fct_customer_segments: upstream_failed"))
            #expect(body.contains("<g class=\"n-upstream_failed\"><title>catalog: upstream_failed"))
            #expect(body.contains("<g class=\"n-succeeded\"><title>fct_sales: succeeded"))
            for attempt in 1...3 { #expect(body.contains("<title>dim_products attempt \(attempt): failed")) }
            #expect(body.contains("Failure report") && body.contains("orch retry \(id)") && body.contains("SQLSTATE 40001"))
            #expect(body.contains("data tests are folded"))
            let all = try await f.get("/run/\(id)?tests=all").body
            #expect(all.contains("<title>not_null_dim_products_product_sku: upstream_failed") || all.contains("upstream_failed</title>"))
        }
    }

    static let hostile = "<script>alert(1)</script>"

    @Test("hostile text (a task id, params, messages, log lines) is shown as text on every page that shows it")
    func hostileTextIsEscaped() async throws {
        try await WebFixture.with(prepare: { f in
            // orch's own parser refuses such a task id; the store may still hold one (another writer, an old version).
            try await Store.with(f.db) { store in
                let start = Date()
                let info = RunInfo(id: "20261207T000000Z-abcdef", pipeline: "evil", pipelineFile: "/nonexistent/evil.yml", trigger: .manual,
                                   logicalTime: start, params: ["x": Self.hostile], specHash: "h", host: "h", pid: 1,
                                   directory: "/nonexistent", tasks: [Self.hostile, "plain"], startedAt: start)
                try await store.runs.start(info)
                let token = info.owner.token
                try await store.runs.setTaskState(run: info.id, token: token, task: Self.hostile, state: .failed, at: start, message: Self.hostile)
                try await store.runs.finish(run: info.id, token: token, status: .failed, at: start, message: "<img src=x onerror=alert(2)>")
                // And one still running (its owner is this test): its pages reload themselves.
                var running = info
                running.id = "20261207T000001Z-abcdef"
                running.tasks = ["plain"]
                try await store.runs.start(running)
            }
            let p = try f.write("p.yml", "name: loud\ntasks:\n  - { id: shout, kind: command, command: \"echo '<img src=x onerror=alert(3)>'; exit 1\" }\n")
            #expect(try await f.orch(["run", p]).status == 1)
        }) { f in
            for path in ["/", "/run/20261207T000000Z-abcdef", "/run/\(try await f.lastRunID())"] {
                let body = try await f.get(path).body
                #expect(!body.contains("<script>alert") && !body.contains("<img src=x"), "raw markup on \(path)")
            }
            let evil = try await f.get("/run/20261207T000000Z-abcdef").body
            #expect(evil.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(evil.contains("&lt;img src=x onerror=alert(2)&gt;"))
            #expect(try await f.get("/run/\(try await f.lastRunID())").body.contains("&lt;img src=x onerror=alert(3)&gt;"))
            let page = try await f.get("/")
            #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
            #expect(page.body.contains("data-refresh=\"5\""), "a running run in the list: the list reloads")
            #expect(try await f.get("/run/20261207T000001Z-abcdef").body.contains("data-refresh=\"3\""))
            #expect(!evil.contains("data-refresh"))
        }
    }

    @Test("a secret a command prints is in its log file as printed, but on no page: the run page, the report, the whole log")
    func secretsNeverShown() async throws {
        let secret = "tok-93f1c2a7e5"
        try await WebFixture.with(extra: ["DEMO_API_TOKEN": secret], prepare: { f in
            let p = try f.write("p.yml", "name: leaky\ntasks:\n  - { id: leak, kind: command, command: \"echo token is $DEMO_API_TOKEN; exit 1\" }\n")
            #expect(try await f.orch(["run", p]).status == 1)
        }) { f in
            let id = try await f.lastRunID()
            let page = try await f.get("/run/\(id)").body
            let log = try await f.get("/run/\(id)/log/leak/1").body
            #expect(page.contains("token is ***") && log.contains("token is ***"))
            #expect(!page.contains(secret) && !log.contains(secret))
        }
    }

    @Test("beyond loopback: no start without a token; with one, every request needs it (header, cookie from ?token=), else 401")
    func tokenOffLoopback() async throws {
        try await WebFixture.with(configure: { $0.listen.host = "0.0.0.0"; $0.token = "s3cret-token" }) { f in
            let denied = try await f.get("/")
            #expect(denied.status == 401 && !denied.body.contains("<table"))
            #expect(try await f.get("/metrics").status == 401)
            #expect(try await f.get("/", headers: ["Authorization": "Bearer wrong"]).status == 401)
            #expect(try await f.get("/", headers: ["Authorization": "Bearer s3cret-token"]).status == 200)
            let link = try await f.get("/runs?token=s3cret-token")
            #expect(link.status == 303 && link.headers["location"] == "/runs")
            let cookie = try #require(link.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            #expect(link.headers["set-cookie"]?.contains("HttpOnly") == true)
            #expect(try await f.get("/", headers: ["Cookie": cookie]).status == 200)
            #expect(try await f.get("/", headers: ["Cookie": "orch_ui_token=nope"]).status == 401)
        }
        let db = try await TestDatabase.fresh()
        try await Store.with(db) { store in
            let environment = OrchEnvironment()
            #expect(throws: WebSetupError.self) {
                _ = try WebServer(configuration: .init(listen: ListenAddress(host: "0.0.0.0", port: 0), token: nil), store: store, environment: environment)
            }
            #expect(throws: WebSetupError.self) {
                _ = try WebServer(configuration: .init(listen: ListenAddress(host: "192.168.1.5", port: 0), token: ""), store: store, environment: environment)
            }
        }
        let refused = try await runOrch(["ui", "--listen", "0.0.0.0:0"], environment: ["ORCH_UI_TOKEN": "", "ORCH_DATABASE_URL": db.url(includePassword: true)])
        #expect(refused.status == 2 && refused.stderr.contains("ORCH_UI_TOKEN"))
        #expect(try await runOrch(["ui", "--listen", "nonsense"]).status == 2)
    }

    @Test("pages only read: the store is the same after every page was asked for")
    func pagesOnlyRead() async throws {
        try await WebFixture.with(prepare: { f in
            let path = try f.write("bad.yml", Self.failing)
            #expect(try await f.orch(["run", path]).status == 1)
        }) { f in
            func snapshot() async throws -> [[String?]] {
                try await Store.with(f.db) { store in
                    try await store.warehouse.rows("""
                    SELECT (SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r.id), '')) FROM orch.runs r),
                           (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.run_id, t.task_id), '')) FROM orch.task_runs t),
                           (SELECT md5(coalesce(string_agg(a::text, ',' ORDER BY a.run_id, a.task_id, a.attempt), '')) FROM orch.attempts a)
                    """)
                }
            }
            let before = try await snapshot()
            let id = try await f.lastRunID()
            for path in ["/", "/run/\(id)", "/run/\(id)?tests=all", "/run/\(id)/log/broken/1", "/tests", "/lineage", "/schedules",
                         "/segments", "/catalog", "/ask?q=revenue+by+month", "/metrics", "/static/orch.js"] {
                let page = try await f.get(path)
                #expect(page.status < 500, "\(path)")
                // Our own markup escaped (`&lt;/td&gt;`) means a String took the place of HTML somewhere.
                #expect(!page.body.contains("&lt;/"), "markup shown as text on \(path)")
            }
            #expect(try await snapshot() == before)
        }
    }
}
