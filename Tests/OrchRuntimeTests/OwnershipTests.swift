import Foundation
import Testing
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// One owner per run: a live run marked crashed (as after a database outage
/// longer than the heartbeat expiry) and retried must not run twice.
@Suite("one owner per run", .timeLimit(.minutes(2)))
struct OwnershipTests {
    struct Env {
        var dir: String
        var db: DatabaseURL
        var vars: [String: String]
        var groups: String { "\(dir)/groups" }

        init(dir: String, db: DatabaseURL, expiry: String) throws {
            self.dir = dir
            self.db = db
            vars = ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true),
                    "ORCH_HEARTBEAT_INTERVAL": "500ms", "ORCH_HEARTBEAT_EXPIRY": expiry]
            // Attempt 1 would sleep for minutes: it must be stopped, whatever the load makes of the timing.
            try Ownership.lockingPipeline(lock: "\(dir)/work.lock", groups: "\(dir)/groups", firstSleep: 300)
                .write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
        }

        func rows(_ sql: String) async throws -> [[String?]] { try await Store.with(db) { try await $0.warehouse.rows(sql) } }

        /// Starts `orch run` and waits until attempt 1 of `work` holds its lock; returns the process and the run id.
        func startFirstOwner() async throws -> (RunningProcess, String) {
            let process = try startOrch(["run", "\(dir)/p.yml"], environment: vars, directory: dir)
            var id: String?
            for _ in 0..<200 where id == nil {
                id = try await rows("SELECT id FROM orch.runs").first?.first ?? nil
                if id == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let runID = try #require(id)
            let log = "\(dir)/home/owned/\(runID)/work/attempt-1.log"
            #expect(try await Ownership.waitFor("attempt 1 holds the lock", in: log, seconds: 20))
            try await Task.sleep(for: .milliseconds(300)) // its process group is recorded
            return (process, runID)
        }

        /// Marks the run crashed by hand, as a sweep would; it must still be running.
        func markCrashed(_ id: String, message: String) async throws {
            let marked = try await rows("""
            UPDATE orch.runs SET status = 'crashed', finished_at = now(), message = '\(message)' WHERE id = '\(id)' AND status = 'running'
            RETURNING id
            """)
            try #require(marked.count == 1, "the first owner's run is still running when it is marked crashed")
        }

        /// What both owners wrote, and the invariants that must hold whatever the order of events.
        func checkOneOwner(_ id: String, retry: ProcessResult) async throws {
            #expect(retry.status == 0, "the retry runs the task to the end\n\(retry.stdout)\(retry.stderr)")
            let attempts = try await rows("SELECT attempt FROM orch.attempts WHERE run_id = '\(id)' AND task_id = 'work' ORDER BY attempt")
            #expect(attempts == [["1"], ["2"]], "distinct attempt numbers, one per process")
            let folder = "\(dir)/home/owned/\(id)/work"
            let first = (try? String(contentsOfFile: "\(folder)/attempt-1.log", encoding: .utf8)) ?? ""
            let second = (try? String(contentsOfFile: "\(folder)/attempt-2.log", encoding: .utf8)) ?? ""
            #expect(first.contains("attempt 1 holds the lock"), "attempt-1.log is not truncated: \(first)")
            #expect(second.contains("attempt 2 holds the lock") && second.contains("attempt 2 done"), "\(second)")
            #expect(!first.contains("CONCURRENT") && !second.contains("CONCURRENT"), "the task never ran twice at once\n\(second)")
            let run = try await rows("""
            SELECT r.status, t.state, r.owner_token IS NULL FROM orch.runs r JOIN orch.task_runs t ON t.run_id = r.id WHERE r.id = '\(id)'
            """)
            #expect(run == [["succeeded", "succeeded", "t"]], "the old owner's late writes did not overwrite the retry's")
        }
    }

    @Test("a live run marked crashed by hand, then orch retry: the first process stops and exits non-zero, the retry runs attempt 2 alone")
    func markedCrashedThenRetried() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let env = try Env(dir: dir, db: db, expiry: "60s")
            let (first, id) = try await env.startFirstOwner()
            defer {
                if first.isRunning { first.signal(SIGKILL) }
                Ownership.killLeftovers(Ownership.groups(in: env.groups), marker: dir)
            }
            // What a crash sweep does after an outage longer than the expiry, while the owner lives.
            try await env.markCrashed(id, message: "marked crashed by hand, as after an outage")
            async let retried = runOrch(["retry", id], environment: env.vars, directory: dir)
            let stopped = await Ownership.exit(of: first, within: 30)
            let retry = try await retried
            let result = try #require(stopped, "the first owner stops instead of going on (or reviving the run)")
            #expect(result.status == 3, "exits non-zero: \(result.status)\n\(result.stderr)\n\(result.stdout)")
            #expect(result.stderr.contains("was marked crashed"), "\(result.stderr)")
            try await env.checkOneOwner(id, retry: retry)
        }
    }

    @Test("a frozen owner (kill -STOP) is taken over by orch retry, its command is stopped first; woken, it finds the run taken and stops")
    func frozenOwnerTakenOver() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let env = try Env(dir: dir, db: db, expiry: "2s")
            let (first, id) = try await env.startFirstOwner()
            defer {
                if first.isRunning {
                    first.signal(SIGCONT)
                    first.signal(SIGKILL)
                }
                Ownership.killLeftovers(Ownership.groups(in: env.groups), marker: dir)
            }
            // Frozen, it heartbeats no more; on another host a sweep would mark it crashed after the expiry.
            first.signal(SIGSTOP)
            try await env.markCrashed(id, message: "no heartbeat (marked by hand)")
            let retry = try await runOrch(["retry", id], environment: env.vars, directory: dir)
            #expect(retry.stderr.contains("stopped process group"), "the frozen owner's command was stopped before attempt 2\n\(retry.stderr)")
            first.signal(SIGCONT)
            let woken = try #require(await Ownership.exit(of: first, within: 30), "the woken owner stops")
            #expect(woken.status == 3, "\(woken.stderr)")
            #expect(woken.stderr.contains("taken over"), "\(woken.stderr)")
            try await env.checkOneOwner(id, retry: retry)
        }
    }
}
