import Foundation
import Testing
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// An owner killed with `kill -9` on this machine is dead at once: its pid
/// and process start time are recorded, so nothing waits for its heartbeat
/// to expire, and what its commands left running is stopped before a retry.
@Suite("dead owners", .timeLimit(.minutes(2)))
struct DeadOwnerTests {
    @Test("kill -9 of a scheduler mid-run, restart it: the dead run is crashed at once and the next tick runs instead of being skipped")
    func deadSchedulerDoesNotBlock() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            var env = SchedulerTests.Env(dir: dir, db: db)
            // A minute of expiry: without proof of death the schedule would be blocked for all of it.
            env.extra = ["ORCH_HEARTBEAT_INTERVAL": "1s", "ORCH_HEARTBEAT_EXPIRY": "60s"]
            let pids = "\(dir)/pids"
            try env.schedule("busy", "every: 2s\noverlap: skip", command: "echo $$ >> \(pids); sleep 60")
            var groups: [Int32] = []
            defer { Ownership.killLeftovers(groups, marker: dir) }

            let first = try env.start(grace: "1s")
            #expect(try await Ownership.waitFor("\n", in: pids, seconds: 20), "the first run's command started")
            try await Task.sleep(for: .milliseconds(500)) // its process group is recorded
            first.signal(SIGKILL)
            _ = await first.wait()
            groups += Ownership.groups(in: pids)
            let dead = try #require(try await env.rows("SELECT id FROM orch.runs WHERE status = 'running'").first?.first ?? nil)

            let restarted = Date()
            let second = try env.start(grace: "1s")
            // Within the test's bound, well under the 60 s expiry: a new run of the schedule.
            let runs = try await env.wait("SELECT count(*) FROM orch.runs WHERE id <> '\(dead)'", seconds: 30) { $0 >= 1 }
            // When the sweep marked it (the database's clock, the same machine's), so the test's polling is not counted.
            let markedAt = try await env.rows("""
            SELECT extract(epoch FROM finished_at) FROM orch.runs WHERE id = '\(dead)' AND status = 'crashed'
            """).first?.first.flatMap { $0 }.flatMap(Double.init)
            // The restarted scheduler's first tick, and whether the dead run was already marked then.
            let fired = try await env.rows("""
            SELECT t.status, (SELECT finished_at <= t.claimed_at FROM orch.runs WHERE id = '\(dead)')
            FROM orch.schedule_ticks t WHERE split_part(t.claimed_by, ':', 2) = '\(second.pid)' ORDER BY t.logical_time LIMIT 1
            """)
            let message = try await env.rows("SELECT message FROM orch.runs WHERE id = '\(dead)'").first?.first ?? nil
            second.signal(SIGTERM)
            let stopped = await second.wait()
            groups += Ownership.groups(in: pids)

            let marked = try #require(markedAt, "the dead run is marked crashed without waiting 60 s for its heartbeat\n\(stopped.stderr)")
            let seconds = marked - restarted.timeIntervalSince1970
            print("dead scheduler's run marked crashed \(String(format: "%.2f", seconds)) s after the restart")
            // About 0.1 s on an idle 2-core machine, process start and connect included; with the whole
            // suite running in parallel a process can take seconds to start. Either way not the 60 s expiry.
            #expect(seconds < 30, "\(stopped.stderr)")
            #expect(runs >= 1, "a new run of the schedule started")
            #expect(fired == [["started", "t"]], "the restarted scheduler's first tick started a run, the dead one already crashed: \(fired)\n\(stopped.stderr)")
            #expect(message?.contains("is gone") == true, "\(message ?? "no message")")
        }
    }

    @Test("orch retry after kill -9 does not wait for the heartbeat to expire, and stops the orphaned process tree of the earlier attempt first")
    func retryStopsOrphans() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let vars = ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true),
                        "ORCH_HEARTBEAT_INTERVAL": "1s", "ORCH_HEARTBEAT_EXPIRY": "60s"]
            let pidfile = "\(dir)/leader"
            try """
            name: orphans
            tasks:
              - id: work
                kind: command
                command: 'echo $$ > \(pidfile); if [ "$ORCH_ATTEMPT" = 1 ]; then sleep 300 & sleep 300; wait; fi; echo attempt $ORCH_ATTEMPT'
            """.write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
            var groups: [Int32] = []
            defer { Ownership.killLeftovers(groups, marker: dir) }

            let run = try startOrch(["run", "\(dir)/p.yml"], environment: vars, directory: dir)
            #expect(try await Ownership.waitFor("\n", in: pidfile, seconds: 20))
            let leader = try #require(Int32((try String(contentsOfFile: pidfile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
            groups.append(leader)
            // The run's row is durable before any task starts, whatever the load: no waiting for it.
            let id = try #require(try await Store.with(db) { try await $0.warehouse.rows("SELECT id FROM orch.runs") }.first?.first ?? nil,
                                  "a run whose task is running is recorded")
            // Its process group is written by the recorder, a moment after the process starts
            // (seconds, with every suite at once): what this test is about needs it recorded.
            let recorded = try await Ownership.eventually(seconds: 30) {
                try await Store.with(db) {
                    try await $0.warehouse.rows("SELECT 1 FROM orch.attempts WHERE process_group = \(leader)")
                }.isEmpty == false
            }
            #expect(recorded, "the attempt's process group is recorded")
            run.signal(SIGKILL)
            _ = await run.wait()
            #expect(Ownership.liveMembers(ofGroup: leader).count >= 2, "kill -9 of orch leaves the command's sleeps running")

            let started = Date()
            let retry = try await runOrch(["retry", id], environment: vars, directory: dir)
            let took = Date().timeIntervalSince(started)
            print("retry after kill -9 finished in \(String(format: "%.2f", took)) s")
            #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
            #expect(took < 20, "no waiting for the 60 s heartbeat expiry")
            #expect(Ownership.liveMembers(ofGroup: leader).isEmpty, "the orphaned sleeps were stopped")
            #expect(retry.stderr.contains("stopped process group \(leader)"), "\(retry.stderr)")
            let attempts = try await Store.with(db) { try await $0.warehouse.rows("SELECT attempt, status FROM orch.attempts ORDER BY attempt") }
            #expect(attempts == [["1", "failed"], ["2", "succeeded"]])
        }
    }
}
