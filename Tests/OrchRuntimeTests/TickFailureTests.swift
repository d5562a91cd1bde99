import Foundation
import Testing
import OrchStore
import OrchTestSupport

/// A claimed tick whose run cannot start must leave a trace where on-call
/// looks (`orch status`, `orch schedules`, the alert), not only on stderr.
@Suite("scheduled ticks that cannot start", .timeLimit(.minutes(2)))
struct TickFailureTests {
    @Test("a tick whose run cannot start (unset env var, broken YAML) is a failed run with its reason in orch status and orch schedules, and alerts")
    func unstartableTick() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let env = SchedulerTests.Env(dir: dir, db: db)
            let marker = "\(dir)/alerted"
            try env.schedule("unset_env", """
            every: 2s
            on_failure:
              command: 'echo "$ORCH_RUN_ID" >> \(marker)'
            """, command: "echo {{ env.ORCH_TEST_NEVER_SET }}")
            try env.schedule("broken_yaml", "every: 2s")
            try "name: broken_yaml\ntasks: [ { id: work, kind: command\n".write(toFile: "\(dir)/pipelines/broken_yaml.yml", atomically: true, encoding: .utf8)

            let scheduler = try env.start(grace: "1s")
            let failed = try await env.wait("SELECT count(DISTINCT trigger) FROM orch.runs WHERE status = 'failed'", seconds: 45) { $0 >= 2 }
            // The alert is sent after the run is recorded.
            for _ in 0..<50 where !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(100)) }
            scheduler.signal(SIGTERM)
            let stopped = await scheduler.wait()
            #expect(failed >= 2, "both schedules' ticks are recorded as failed runs\n\(stopped.stderr)")

            let status = try await runOrch(["status", "--json"], environment: env.vars, directory: dir)
            let runs = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
            let unset = try #require(runs.first { $0["trigger"] as? String == "schedule:unset_env" }, "\(status.stdout)")
            #expect(unset["status"] as? String == "failed")
            #expect((unset["message"] as? String)?.contains("ORCH_TEST_NEVER_SET") == true, "the reason: \(unset["message"] ?? "none")")
            let id = try #require(unset["run_id"] as? String)
            let broken = try #require(runs.first { $0["trigger"] as? String == "schedule:broken_yaml" })
            #expect((broken["message"] as? String)?.contains("broken_yaml.yml") == true, "the reason names the file: \(broken["message"] ?? "none")")

            // The run has the tick's logical time, and the tick records the run and the reason.
            let tick = try await env.rows("""
            SELECT t.status, t.error LIKE '%ORCH_TEST_NEVER_SET%', r.logical_time = t.logical_time
            FROM orch.schedule_ticks t JOIN orch.runs r ON r.id = t.run_id WHERE r.id = '\(id)'
            """)
            #expect(tick == [["failed", "t", "t"]])

            let listing = try await runOrch(["schedules", "--schedules", "\(dir)/schedules", "--json"], environment: env.vars, directory: dir)
            let rows = try #require((try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any])?["schedules"] as? [[String: Any]], "\(listing.stderr)")
            let row = try #require(rows.first { $0["name"] as? String == "unset_env" })
            #expect(row["last_status"] as? String == "failed")
            #expect((row["last_tick_error"] as? String)?.contains("ORCH_TEST_NEVER_SET") == true, "\(row)")

            // Its folder has run_results.json too: the run, failed, with no tasks.
            let folder = try #require(unset["run_directory"] as? String)
            let results = try JSONContract.decode(Shape.RunResults.self, String(contentsOfFile: "\(folder)/run_results.json", encoding: .utf8))
            #expect(results.run.status == "failed" && results.tasks.isEmpty)

            let alerted = (try? String(contentsOfFile: marker, encoding: .utf8)) ?? ""
            #expect(alerted.contains(id), "the schedule's on_failure alert ran for the failed run")

            let report = try await runOrch(["report", id], environment: env.vars, directory: dir)
            #expect(report.stdout.contains("ORCH_TEST_NEVER_SET") && report.stdout.contains("orch backfill unset_env"), "\(report.stdout)")
            let retry = try await runOrch(["retry", id], environment: env.vars, directory: dir)
            #expect(retry.status == 2 && retry.stderr.contains("never started"), "\(retry.stderr)")
        }
    }
}
