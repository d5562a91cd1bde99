import Foundation
import Testing
import OrchSampleData
import OrchTestSupport
import OrchRandom

extension SchedulerTests {
    @Test("two schedulers, one killed -9 mid-tick: no tick runs twice, the survivor fires every later tick, nothing is left running")
    func oneOfTwoKilled() async throws {
        var rng = SeededRandom(seed: UInt64(Date().timeIntervalSince1970))
        try await withEnv { env in
            env.extra = ["ORCH_HEARTBEAT_INTERVAL": "300ms", "ORCH_HEARTBEAT_EXPIRY": "2s"]
            try env.schedule("tick", "every: 1s\noverlap: allow", command: "sleep 0.7")
            let a = try env.start(), b = try env.start()
            let killAfter = 2 + 3 * rng.unit()
            try await Task.sleep(for: .milliseconds(Int(killAfter * 1000)))
            a.signal(SIGKILL)
            let killedAt = Date()
            _ = await a.wait()
            try await Task.sleep(for: .seconds(8))
            b.signal(SIGTERM)
            let rb = await b.wait()
            #expect(rb.status == 0, "\(rb.stderr)")
            let context = "killed after \(killAfter) s"
            let runs = try await env.rows("""
            SELECT extract(epoch FROM logical_time)::bigint, count(*) FROM orch.runs WHERE trigger = 'schedule:tick' GROUP BY 1 ORDER BY 1
            """).map { (Int($0[0]!)!, Int($0[1]!)!) }
            #expect(runs.allSatisfy { $0.1 == 1 }, "\(context): a logical time ran twice: \(runs.filter { $0.1 > 1 })")
            // After the kill (and a second for the claim in flight), the survivor fires every tick.
            let after = runs.map(\.0).filter { Double($0) > killedAt.timeIntervalSince1970 + 1 }
            #expect(after.count >= 5, "\(context): \(after)")
            #expect(zip(after, after.dropFirst()).allSatisfy { $1 - $0 == 1 }, "\(context): missing ticks in \(after)")
            #expect(try await env.rows("SELECT count(*) FROM orch.runs WHERE status = 'running'") == [["0"]],
                    "\(context): the killed scheduler's run is left running")
        }
    }
}

extension SchedulerTests {
    @Test("a tick claimed by a scheduler that died before its run was recorded becomes a failed run, not a lost tick")
    func orphanedTick() async throws {
        try await withEnv { env in
            try env.schedule("hourly", "every: 1h")
            // A scheduler is needed once so the schema exists; then plant a claim by a dead one (pid 999999 is never alive).
            let first = try env.start()
            _ = try await env.wait("SELECT count(*) FROM orch.schema_migrations", seconds: 20) { $0 > 0 }
            first.signal(SIGTERM)
            _ = await first.wait()
            let host = ProcessInfo.processInfo.hostName
            _ = try await env.rows("""
            INSERT INTO orch.schedule_ticks (schedule, logical_time, status, run_id, claimed_by, claimed_at)
            VALUES ('hourly', '2026-01-01T00:00:00Z', 'started', '20260101-000000-0rphan', '\(host):999999:deadbeef', now() - interval '1 minute')
            RETURNING 1
            """)
            let scheduler = try env.start()
            let found = try await env.wait("SELECT count(*) FROM orch.runs WHERE id = '20260101-000000-0rphan' AND status = 'failed'", seconds: 20) { $0 == 1 }
            scheduler.signal(SIGTERM)
            _ = await scheduler.wait()
            #expect(found == 1, "the orphaned tick has no failed run")
            let message = try await env.rows("SELECT message FROM orch.runs WHERE id = '20260101-000000-0rphan'")
            #expect(message.first?.first??.contains("died before its run was recorded") == true, "\(message)")
            #expect(try await env.rows("SELECT status FROM orch.schedule_ticks WHERE run_id = '20260101-000000-0rphan'") == [["failed"]])
        }
    }
}
