import Foundation
import Testing
import OrchPostgres
import OrchStore
import OrchWarehouse
import OrchTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Scheduling from the shell: `orch schedules pause|unpause NAME` honoured by
/// a real scheduler, and `orch trigger SCHEDULE`, against a real PostgreSQL.
@Suite("pause, unpause and trigger", .timeLimit(.minutes(2)))
struct SchedulePauseTests {
    struct Env {
        var dir: String
        var db: DatabaseURL
        var vars: [String: String] { ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true), "NOTIFY_SOCKET": ""] }
        func orch(_ args: [String]) async throws -> ProcessResult {
            try await runOrch(args + ["--schedules", "\(dir)/schedules"], environment: vars, directory: dir)
        }
        func rows(_ sql: String) async throws -> [[String?]] { try await Store.with(db) { try await $0.warehouse.rows(sql) } }
        func count(_ sql: String) async throws -> Int { Int(try await rows(sql).first?.first.flatMap { $0 } ?? "0") ?? 0 }

        /// Runs a scheduler until `sql` counts at least `atLeast` (at most `seconds`), then stops it.
        func schedule(until sql: String, atLeast: Int, seconds: Double) async throws -> Int {
            let scheduler = try startOrch(["scheduler", "--schedules", "\(dir)/schedules", "--grace", "2s"], environment: vars, directory: dir)
            let deadline = Date().addingTimeInterval(seconds)
            var n = 0
            repeat {
                try await Task.sleep(for: .milliseconds(200))
                n = try await count(sql)
            } while n < atLeast && Date() < deadline
            scheduler.signal(SIGTERM)
            let result = await scheduler.wait()
            #expect(result.status == 0, "\(result.stderr.suffix(2000))")
            return n
        }
    }

    /// The schedules of `orch schedules --json` (the JSON contract: `{schema_version, schedules}`).
    func schedulesJSON(_ env: Env) async throws -> [[String: Any]] {
        let text = try await env.orch(["schedules", "--json"]).stdout
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        return try #require(document["schedules"] as? [[String: Any]])
    }

    func withEnv(_ body: (Env) async throws -> Void) async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/schedules", withIntermediateDirectories: true)
            try "name: p\ntasks:\n  - { id: work, kind: command, command: \"echo {{ run.logical_time }}\" }\n"
                .write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
            try "pipeline: ../p.yml\nevery: 1s\ncatchup: true\n".write(toFile: "\(dir)/schedules/tick.yml", atomically: true, encoding: .utf8)
            try await body(Env(dir: dir, db: db))
        }
    }

    @Test("a paused schedule's ticks are recorded paused and not run; after unpause it fires again with no burst of missed runs")
    func pauseAndUnpause() async throws {
        try await withEnv { env in
            let paused = try await env.orch(["schedules", "pause", "tick"])
            #expect(paused.status == 0, "\(paused.stderr)")
            let ticks = try await env.schedule(until: "SELECT count(*) FROM orch.schedule_ticks WHERE status = 'paused'", atLeast: 2, seconds: 20)
            #expect(ticks >= 2, "its ticks are recorded as paused")
            #expect(try await env.count("SELECT count(*) FROM orch.runs") == 0, "and none ran")
            let listing = try await env.orch(["schedules"])
            #expect(listing.stdout.contains("(paused)"), "\(listing.stdout)")
            let rows = try await schedulesJSON(env)
            #expect(rows.first?["paused"] as? Bool == true && rows.first?["next_fire"] is NSNull, "\(rows)")

            try await Task.sleep(for: .seconds(3)) // ticks due while paused and with no scheduler: catchup must not run them
            let unpause = try await env.orch(["schedules", "unpause", "tick"])
            #expect(unpause.status == 0, "\(unpause.stderr)")
            let ran = try await env.schedule(until: "SELECT count(*) FROM orch.runs WHERE status = 'succeeded'", atLeast: 2, seconds: 20)
            #expect(ran >= 2, "it fires again")
            // Against the unpause as recorded (the command's own return can come seconds later on a loaded machine).
            let early = try await env.count("""
            SELECT count(*) FROM orch.runs WHERE logical_time < (SELECT changed_at FROM orch.schedule_pauses WHERE schedule = 'tick')
                                                                - interval '1 second'
            """)
            #expect(early == 0, "no run for a tick due while it was paused")
            #expect(try await schedulesJSON(env).first?["paused"] as? Bool == false)
        }
    }

    @Test("an unknown schedule name exits 2 with the nearest one, for pause, unpause and trigger")
    func unknownName() async throws {
        try await withEnv { env in
            for args in [["schedules", "pause", "tik"], ["schedules", "unpause", "tik"], ["trigger", "tik"]] {
                let r = try await env.orch(args)
                #expect(r.status == 2, "\(args): \(r.stdout)\(r.stderr)")
                #expect(r.stderr.contains("no schedule `tik`") && r.stderr.contains("did you mean `tick`?"), "\(args): \(r.stderr)")
            }
            #expect(try await env.count("SELECT count(*) FROM orch.schedule_pauses") == 0)
        }
    }

    @Test("orch trigger runs the schedule's pipeline now as trigger:NAME with the logical time given (default now)")
    func trigger() async throws {
        try await withEnv { env in
            let r = try await env.orch(["trigger", "tick", "--logical-time", "2026-01-01T02:30:00Z"])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let runs = try await env.rows("SELECT trigger, to_char(logical_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), status FROM orch.runs")
            #expect(runs == [["trigger:tick", "2026-01-01 02:30", "succeeded"]], "\(runs)")
            let log = try await env.rows("SELECT log_tail FROM orch.attempts").first?.first ?? nil
            #expect(log?.contains("2026-01-01T02:30:00Z") == true, "the run saw its logical time: \(log ?? "")")
            let before = Date().addingTimeInterval(-1)
            #expect(try await env.orch(["trigger", "tick"]).status == 0)
            #expect(try await env.count("SELECT count(*) FROM orch.runs WHERE logical_time >= to_timestamp(\(before.timeIntervalSince1970))") == 1)
            let bad = try await env.orch(["trigger", "tick", "--logical-time", "yesterday"])
            #expect(bad.status == 2 && bad.stderr.contains("ISO 8601"), "\(bad.stderr)")
            let rows = try await schedulesJSON(env)
            #expect(rows.first?["last_status"] as? String == "succeeded", "a triggered run is the schedule's last run")
        }
    }
}
