import Foundation
import Testing
import OrchSampleData
import OrchStore
import OrchTestSupport
import OrchStandIn
import OrchWarehouse
import OrchPostgres

/// Reports, retry, crash recovery, alerts, OpenLineage and retention.
@Suite("on-call", .timeLimit(.minutes(3)))
struct OnCallTests {
    struct Env {
        var dir: String
        var db: DatabaseURL
        var extra: [String: String] = [:]
        var vars: [String: String] {
            ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)].merging(extra) { $1 }
        }
        func write(_ name: String, _ text: String) throws -> String {
            let path = "\(dir)/\(name)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func orch(_ args: [String]) async throws -> ProcessResult { try await runOrch(args, environment: vars, directory: dir) }
        func rows(_ sql: String) async throws -> [[String?]] { try await Store.with(db) { try await $0.warehouse.rows(sql) } }
        func lastRunID() async throws -> String {
            let document = try JSONSerialization.jsonObject(with: Data(try await orch(["status", "--json"]).stdout.utf8)) as! [String: Any]
            return (document["runs"] as! [[String: Any]])[0]["run_id"] as! String
        }
    }

    func withEnv(extra: [String: String] = [:], _ body: (Env) async throws -> Void) async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            try await body(Env(dir: dir, db: db, extra: extra))
        }
    }

    static let failing = """
    name: oncall
    params: { flag: /nonexistent }
    tasks:
      - { id: load, kind: command, command: "echo loading; echo rows 10", writes: [raw.things] }
      - { id: check, kind: command, command: "echo checking; test -f {{ params.flag }}", after: [load], retries: 1, retry_delay: 10ms }
      - { id: build, kind: command, command: "echo built", reads: [raw.things], writes: [analytics.things], after: [check] }
      - { id: publish, kind: command, command: "echo published", reads: [analytics.things] }
    """

    @Test("a failed run writes report.md: failure, log tail, attempts, blast radius, stale data, the resume command; orch retry resumes it")
    func reportAndRetry() async throws {
        try await withEnv { env in
            let path = try env.write("p.yml", Self.failing)
            // A good run first, so the report can compare.
            let ok = try env.write("ok", "")
            #expect(try await env.orch(["run", path, "--param", "flag=\(ok)"]).status == 0)
            #expect(try await env.orch(["run", path]).status == 1)
            let id = try await env.lastRunID()
            let markdown = try String(contentsOfFile: "\(env.dir)/home/oncall/\(id)/report.md", encoding: .utf8)
            #expect(markdown.contains("### check: failed (exit_code)"))
            #expect(markdown.contains("checking"), "the log tail")
            #expect(markdown.contains("| 1 | failed |") && markdown.contains("| 2 | failed |"), "every attempt")
            #expect(markdown.contains("Not run because of the failure: `build`, `publish`"))
            #expect(markdown.contains("`analytics.things` | build |"), "a stale dataset, with its last production")
            #expect(markdown.contains("params: `flag` \(ok) → /nonexistent"), "what changed since the last good run")
            #expect(markdown.contains("orch retry \(id)"))
            let json = try JSONSerialization.jsonObject(with: Data(try await env.orch(["report", "--json"]).stdout.utf8)) as? [String: Any]
            #expect((json?["run"] as? [String: Any])?["run_id"] as? String == id, "the latest failed run by default")

            // Fix the cause; retry: same id, new attempts numbered on, what succeeded is not run again.
            try await Store.with(env.db) { store in
                try await store.warehouse.execute(script: "UPDATE orch.runs SET params = jsonb_set(params, '{flag}', to_jsonb('\(ok)'::text)) WHERE id = '\(id)'")
            }
            let retry = try await env.orch(["retry", id])
            #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
            let detail = try JSONSerialization.jsonObject(with: Data(try await env.orch(["status", id, "--json"]).stdout.utf8)) as! [String: Any]
            #expect((detail["run"] as! [String: Any])["status"] as? String == "succeeded")
            let tasks = Dictionary(uniqueKeysWithValues: (detail["tasks"] as! [[String: Any]]).map { ($0["task_id"] as! String, $0) })
            #expect((tasks["load"]?["attempts"] as? [[String: Any]])?.count == 1, "load succeeded before and was kept")
            #expect((tasks["check"]?["attempts"] as? [[String: Any]])?.map { $0["attempt"] as! Int } == [1, 2, 3])
            #expect(tasks.values.allSatisfy { $0["status"] as? String == "succeeded" })
            #expect(try await env.orch(["retry", id]).status == 2, "a succeeded run cannot be retried")
        }
    }

    @Test("kill -9 in the middle of loads and model builds: marked crashed, no half table, retry gives exact counts")
    func crashAndRetry() async throws {
        try await withEnv(extra: ["ORCH_HEARTBEAT_INTERVAL": "500ms", "ORCH_HEARTBEAT_EXPIRY": "2s"]) { env in
            try await SampleFixture.write(to: "\(env.dir)/data")
            let marketing = "\(ShippedPipelinesTests.repo)/pipelines/marketing.yml"
            // One task at a time, so there is a long stretch between the first model and fct_sales.
            let process = try startOrch(["run", marketing, "--param", "data_dir=\(env.dir)/data", "--concurrency", "1"], environment: env.vars)
            var killed = false
            for _ in 0..<3000 where !killed {
                let built = try await env.rows("SELECT count(*) FROM orch.task_runs WHERE task_id LIKE 'stg_%' AND state = 'succeeded'")
                if built.first?.first.flatMap({ $0 }).flatMap(Int.init) ?? 0 >= 1 {
                    process.signal(SIGKILL)
                    killed = true
                } else {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            #expect(killed)
            _ = await process.wait()
            try await Task.sleep(for: .seconds(3))
            let status = try await env.orch(["status", "--json"])
            let runs = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any])["runs"] as! [[String: Any]]
            #expect(runs[0]["status"] as? String == "crashed")
            let id = runs[0]["run_id"] as! String
            #expect(try await env.rows("SELECT count(*) FROM orch.task_runs WHERE run_id = '\(id)' AND state = 'running'") == [["0"]])
            // Whatever exists is whole: the raw loads are all-or-nothing.
            for (table, rows) in [("raw.online_sales", "52924"), ("raw.customers", "1468")] {
                let present = try await env.rows("SELECT to_regclass('\(table)') IS NOT NULL")[0][0] == "t"
                if present { #expect(try await env.rows("SELECT count(*) FROM \(table)") == [[rows]], "\(table) is whole") }
            }
            let retry = try await env.orch(["retry", id])
            #expect(retry.status == 0, "\(retry.stdout.suffix(2000))")
            let counts = try await env.rows("""
            SELECT (SELECT count(*) FROM raw.online_sales), (SELECT count(*) FROM analytics.fct_sales),
                   (SELECT count(*) - count(DISTINCT (transaction_id, line_number)) FROM analytics.fct_sales),
                   (SELECT count(*) FROM analytics.customer_segments)
            """)
            #expect(counts == [["52924", "52924", "0", "1468"]], "no duplicates after the retry")
        }
    }

    @Test("on_failure: the webhook gets a JSON summary with text, the command runs; a dead webhook is logged, not fatal")
    func alerts() async throws {
        try await withEnv { env in
            try await withStandIn { base, feed in
                let marker = "\(env.dir)/alerted"
                let path = try env.write("alert.yml", """
                name: alerting
                on_failure:
                  webhook: "\(base)/_alerts"
                  command: "echo \\"$ORCH_ALERT_TEXT\\" > \(marker)"
                  timeout: 5s
                tasks:
                  - { id: boom, kind: command, command: "exit 3" }
                """)
                let r = try await env.orch(["run", path])
                #expect(r.status == 1)
                let alerts = await feed.alerts
                // At least once: a slow answer can make the sender try again.
                #expect(alerts.count >= 1, "\(r.stderr)")
                let payload = try JSONSerialization.jsonObject(with: Data(try #require(alerts.first).utf8)) as? [String: Any]
                #expect(payload?["pipeline"] as? String == "alerting")
                #expect((payload?["text"] as? String)?.contains("1 task(s) failed: boom (exit_code)") == true)
                #expect((payload?["resume"] as? String)?.hasPrefix("orch retry ") == true)
                #expect(try String(contentsOfFile: marker, encoding: .utf8).contains("run "))
            }
            let dead = try env.write("dead.yml", """
            name: dead_alert
            on_failure: { webhook: "http://127.0.0.1:9/hook", timeout: 1s, retries: 1 }
            tasks:
              - { id: boom, kind: command, command: "exit 1" }
            """)
            let started = Date()
            let r = try await env.orch(["run", dead])
            #expect(r.status == 1)
            #expect(Date().timeIntervalSince(started) < 15)
            #expect(r.stderr.contains("alert for run") && r.stderr.contains("failed"))
        }
    }

    @Test("every task run has OpenLineage START and COMPLETE or FAIL events with its datasets")
    func openLineage() async throws {
        try await withEnv { env in
            let path = try env.write("p.yml", Self.failing)
            _ = try await env.orch(["run", path])
            let id = try await env.lastRunID()
            let text = try String(contentsOfFile: "\(env.dir)/home/oncall/\(id)/openlineage.jsonl", encoding: .utf8)
            var lines: [[String: Any]] = []
            for line in text.split(separator: "\n") {
                if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { lines.append(object) }
            }
            let byTask = Dictionary(grouping: lines) { ($0["job"] as! [String: Any])["name"] as! String }
            #expect(byTask["load"]?.map { $0["eventType"] as! String } == ["START", "COMPLETE"])
            #expect(byTask["check"]?.map { $0["eventType"] as! String } == ["START", "FAIL"])
            #expect(byTask["build"] == nil, "never started")
            let complete = byTask["load"]!.last!
            #expect((complete["outputs"] as? [[String: Any]])?.first?["name"] as? String == "raw.things")
            let runIDs = Set(byTask["load"]!.map { ($0["run"] as! [String: Any])["runId"] as! String })
            #expect(runIDs.count == 1 && runIDs.first!.count == 36, "one UUID per task run")
        }
    }

    @Test("prune deletes old runs in batches with their rows and folders, keeps the latest lineage; --dry-run deletes nothing")
    func prune() async throws {
        try await withEnv { env in
            let path = try env.write("p.yml", "name: old\ntasks:\n  - { id: t, kind: command, command: \"true\", writes: [raw.t] }\n")
            for _ in 0..<3 { #expect(try await env.orch(["run", path]).status == 0) }
            try await Store.with(env.db) { store in
                try await store.warehouse.execute(script: """
                UPDATE orch.runs SET started_at = now() - interval '100 days', finished_at = now() - interval '100 days';
                UPDATE orch.lineage SET produced_at = produced_at - interval '100 days'
                """)
            }
            let dry = try await env.orch(["prune", "--older-than", "90d", "--dry-run"])
            #expect(dry.stdout.contains("would delete 3 run(s)"), "\(dry.stdout)")
            #expect(try await env.rows("SELECT count(*) FROM orch.runs") == [["3"]])
            let real = try await env.orch(["prune", "--older-than", "90d"])
            #expect(real.stdout.contains("deleted 3 run(s)"), "\(real.stdout)")
            #expect(try await env.rows("SELECT (SELECT count(*) FROM orch.runs), (SELECT count(*) FROM orch.attempts), (SELECT count(*) FROM orch.lineage)") == [["0", "0", "1"]],
                    "the latest edge of raw.t stays")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: "\(env.dir)/home/old")) ?? []).isEmpty, "run folders removed")
        }
    }
}
