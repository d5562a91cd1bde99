import Foundation
import Testing
import OrchPostgres
import OrchTestSupport

/// Every `--json` of the real binary decodes into its documented shape
/// (Shape.*): snake_case keys, nulls present, ISO 8601 UTC milliseconds,
/// `schema_version`, numbers as numbers, nested JSON as JSON.
@Suite("the JSON contract of every --json command", .timeLimit(.minutes(3)))
struct JSONContractTests {
    struct Env {
        var dir: String
        var db: DatabaseURL
        var vars: [String: String] { ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)] }

        func orch(_ args: [String]) async throws -> ProcessResult { try await runOrch(args, environment: vars, directory: dir) }

        /// Runs `args` and decodes its stdout as `T`, failing on the contract's first violation.
        func json<T: Decodable>(_ type: T.Type, _ args: [String], exit: Int32 = 0) async throws -> T {
            let r = try await orch(args)
            #expect(r.status == exit, "\(args): \(r.stderr)")
            do { return try JSONContract.decode(T.self, r.stdout) } catch {
                Issue.record("\(args): \(error)\n\(r.stdout.prefix(3000))")
                throw error
            }
        }

        func write(_ path: String, _ text: String) throws {
            let full = "\(dir)/\(path)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    func withEnv(_ body: (Env) async throws -> Void) async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let env = Env(dir: dir, db: db)
            try env.write("good.yml", """
            name: good
            params: { who: world }
            tasks:
              - id: make
                kind: sql
                writes: [contract.things]
                sql: |
                  CREATE SCHEMA IF NOT EXISTS contract;
                  DROP TABLE IF EXISTS contract.things CASCADE;
                  CREATE TABLE contract.things AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, NULL)) AS t(id, name)
              - id: models
                kind: sql_model
                path: models
                after: [make]
              - id: flaky
                kind: command
                retries: 1
                retry_delay: 10ms
                command: 'test -f marker || { touch marker; echo first try fails; exit 3; }'
            """)
            try env.write("models/things_view.sql", "select id, name from contract.things")
            try env.write("models/models.yml", """
            models:
              - name: things_view
                columns:
                  - name: id
                    tests: [{ accepted_range: { max: 1, severity: warn } }]
            """)
            try env.write("broken.yml", """
            name: broken
            tasks:
              - id: boom
                kind: command
                command: 'echo fatal: config missing >&2; exit 3'
              - id: after_boom
                kind: command
                after: [boom]
                command: 'true'
            """)
            try env.write("schedules/hourly.yml", """
            pipeline: ../tiny.yml
            cron: "0 * * * *"
            """)
            try env.write("tiny.yml", """
            name: tiny
            tasks:
              - { id: hi, kind: command, command: 'echo hi' }
            """)
            try await body(env)
        }
    }

    @Test("run, retry, status, status RUN, tests, lineage, report, logs: the run documents")
    func runDocuments() async throws {
        try await withEnv { env in
            let run = try await env.json(Shape.RunResults.self, ["run", "good.yml", "--json"])
            #expect(run.schemaVersion == 1 && run.run.status == "succeeded" && run.run.params == ["who": "world"])
            #expect(run.run.message == nil && run.run.durationMs != nil && run.run.taskCounts["succeeded"] == run.tasks.count)
            let flaky = try #require(run.tasks.first { $0.taskId == "flaky" })
            #expect(flaky.status == "succeeded" && flaky.attempts.map(\.status) == ["failed", "succeeded"], "status for tasks and attempts alike")
            #expect(flaky.attempts.first?.exitCode == 3 && flaky.attempts.first?.errorClass == "exit_code")
            #expect(flaky.attempts.last?.exitCode == 0 || flaky.attempts.last?.exitCode == nil)
            let id = run.run.runId
            let folder = try #require(run.run.runDirectory)
            let onDisk = try JSONContract.decode(Shape.RunResults.self, String(contentsOfFile: "\(folder)/run_results.json", encoding: .utf8))
            #expect(onDisk.run.runId == id && onDisk.tasks.count == run.tasks.count, "run_results.json in the run folder")

            let list = try await env.json(Shape.RunList.self, ["status", "--json"])
            #expect(list.runs.map(\.runId) == [id] && list.total == 1)
            let detail = try await env.json(Shape.RunResults.self, ["status", id, "--json"])
            #expect(detail.tasks.map(\.taskId).sorted() == run.tasks.map(\.taskId).sorted())

            let tests = try await env.json(Shape.TestResults.self, ["tests", "--json"])
            #expect(tests.runId == id)
            let warned = try #require(tests.results.first)
            #expect(warned.status == "warn" && warned.failingRows == 2 && warned.column == "id")
            #expect(warned.sampleRows.count == 2 && warned.sampleRows.allSatisfy { $0["id"] != nil }, "sample rows are JSON objects, not a string")

            let lineage = try await env.json(Shape.Lineage.self, ["lineage", "contract.things", "--downstream", "--json"])
            #expect(lineage.direction == "downstream" && lineage.lineage.lastRunId == id && lineage.lineage.lastTaskId == "make")

            let logs = try await env.json(Shape.Logs.self, ["logs", id, "flaky", "--all", "--json"])
            #expect(logs.runId == id && logs.attempts.map(\.attempt) == [1, 2] && logs.attempts.map(\.fromFile) == [true, false],
                    "the failed attempt's log is a file; the short success's, its stored tail")
            #expect(logs.attempts.first?.lines.contains("first try fails") == true, "\(logs.attempts.first?.lines ?? [])")

            struct NoReport: Decodable { var schemaVersion: Int; @Present var run: Shape.Run? }
            #expect(try await env.json(NoReport.self, ["report", "--json"]).run == nil, "nothing failed yet: run is null")

            // A failed run: its report, and a retry that fails again (exit 1) but still prints its results.
            let failed = try await env.json(Shape.RunResults.self, ["run", "broken.yml", "--json"], exit: 1)
            #expect(failed.run.status == "failed" && failed.tasks.first { $0.taskId == "after_boom" }?.status == "upstream_failed")
            let report = try await env.json(Shape.Report.self, ["report", "--json"])
            #expect(report.run.runId == failed.run.runId && report.failedTasks.map(\.taskId) == ["boom"])
            #expect(report.blockedTasks == ["after_boom"] && report.lastSuccess == nil && !report.neverStarted)
            #expect(report.failedTasks.first?.logTail.contains("fatal: config missing") == true)
            let retried = try await env.json(Shape.RunResults.self, ["retry", failed.run.runId, "--json"], exit: 1)
            #expect(retried.run.runId == failed.run.runId && retried.tasks.first { $0.taskId == "boom" }?.attempts.count == 2)
        }
    }

    @Test("schedules, backfill, prune, validate, cron next, graph: the other documents")
    func otherDocuments() async throws {
        try await withEnv { env in
            let backfill = try await env.json(Shape.Backfill.self, ["backfill", "hourly", "--from", "2026-01-01T00:00:00Z",
                                                                   "--to", "2026-01-01T01:00:00Z", "--json"])
            #expect(backfill.schedule == "hourly" && backfill.results.count == 2)
            #expect(backfill.results.allSatisfy { $0.status == "succeeded" && $0.runId != nil && $0.error == nil })

            let schedules = try await env.json(Shape.Schedules.self, ["schedules", "--json"])
            let hourly = try #require(schedules.schedules.first)
            #expect(hourly.name == "hourly" && hourly.lastStatus == "succeeded" && hourly.nextFire != nil && hourly.lastTickError == nil)

            let prune = try await env.json(Shape.Prune.self, ["prune", "--older-than", "3650d", "--dry-run", "--json"])
            #expect(prune.dryRun && prune.runs == 0)

            try env.write("bad.yml", "name: bad\ntasks:\n  - { id: x, kind: command, comand: 'true' }\n")
            let validate = try await env.json(Shape.Validate.self, ["validate", "good.yml", "bad.yml", "--json"], exit: 2)
            #expect(!validate.valid && validate.files.map(\.valid) == [true, false])
            #expect(validate.files[0].pipeline == "good" && validate.files[1].pipeline == nil)
            #expect(validate.files[1].diagnostics.first?.line == 3, "\(validate.files[1].diagnostics.map(\.message))")

            let cron = try await env.json(Shape.CronNext.self, ["cron", "next", "30 2 * * *", "--tz", "Europe/Berlin",
                                                                "--from", "2026-03-28T00:00:00Z", "-n", "2", "--json"])
            #expect(cron.timeZone == "Europe/Berlin" && cron.times.count == 2)
            #expect(cron.times.map(\.local) == ["2026-03-28T02:30:00.000+01:00", "2026-03-29T03:00:00.000+02:00"], "right after the gap: \(cron.times.map(\.local))")

            let graph = try await env.json(Shape.Graph.self, ["graph", "good.yml", "--json"])
            #expect(graph.pipeline == "good" && graph.nodes.contains { $0.taskId == "things_view" && !$0.isTest })
            #expect(graph.nodes.contains { $0.isTest } && graph.edges.contains { $0.from == "make" && $0.to == "things_view" })
            #expect(graph.nodes.first { $0.taskId == "make" }?.layer == 1)
        }
    }

    @Test("the contract check itself is strict: a missing nullable key, a camelCase key, a time without milliseconds or zone, no schema_version")
    func strictness() throws {
        struct Doc: Decodable { var schemaVersion: Int; @Present var note: String?; var at: Date }
        let good = #"{"schema_version": 1, "note": null, "at": "2026-12-02T08:33:08.123Z"}"#
        #expect(try JSONContract.decode(Doc.self, good).note == nil)
        for bad in [#"{"schema_version": 1, "at": "2026-12-02T08:33:08.123Z"}"#,
                    #"{"schema_version": 1, "note": null, "at": "2026-12-02T08:33:08.123Z", "runID": "x"}"#,
                    #"{"schema_version": 1, "note": null, "at": "2026-12-02T08:33:08Z"}"#,
                    #"{"schema_version": 1, "note": null, "at": "2026-12-02T09:33:08.123+01:00"}"#,
                    #"{"note": null, "at": "2026-12-02T08:33:08.123Z"}"#] {
            #expect(throws: (any Error).self, "\(bad)") { try JSONContract.decode(Doc.self, bad) }
        }
    }
}
