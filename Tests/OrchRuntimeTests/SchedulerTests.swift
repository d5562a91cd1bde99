import Foundation
import Testing
import OrchStore
import OrchTestSupport
#if canImport(Glibc)
import Glibc
import OrchWarehouse
import OrchPostgres
#endif

/// `orch scheduler` processes against a real PostgreSQL.
@Suite("scheduler", .timeLimit(.minutes(3)))
struct SchedulerTests {
    struct Env {
        var dir: String
        var db: DatabaseURL
        var extra: [String: String] = [:]
        var vars: [String: String] {
            ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true), "NOTIFY_SOCKET": ""].merging(extra) { $1 }
        }

        func schedule(_ name: String, _ yaml: String, command: String = "echo tick") throws {
            try FileManager.default.createDirectory(atPath: "\(dir)/schedules", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(dir)/pipelines", withIntermediateDirectories: true)
            try "name: \(name)\ntasks:\n  - { id: work, kind: command, command: \"\(command)\" }\n"
                .write(toFile: "\(dir)/pipelines/\(name).yml", atomically: true, encoding: .utf8)
            try "pipeline: ../pipelines/\(name).yml\n\(yaml)\n".write(toFile: "\(dir)/schedules/\(name).yml", atomically: true, encoding: .utf8)
        }

        func start(grace: String = "30s") throws -> RunningProcess {
            try startOrch(["scheduler", "--schedules", "\(dir)/schedules", "--grace", grace], environment: vars, directory: dir)
        }

        func rows(_ sql: String) async throws -> [[String?]] { try await Store.with(db) { try await $0.warehouse.rows(sql) } }

        /// Waits until `sql`'s single value satisfies `done`, for at most `seconds`.
        func wait(_ sql: String, seconds: Double, until done: (Int) -> Bool) async throws -> Int {
            let deadline = Date().addingTimeInterval(seconds)
            var value = 0
            repeat {
                value = Int(try await rows(sql).first?.first.flatMap { $0 } ?? "0") ?? 0
                if done(value) { return value }
                try await Task.sleep(for: .milliseconds(200))
            } while Date() < deadline
            return value
        }
    }

    func withEnv(_ body: (inout Env) async throws -> Void) async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            var env = Env(dir: dir, db: db)
            try await body(&env)
        }
    }

    @Test("two schedulers, every 2 s, for a minute: each logical time has exactly one run, none missing")
    func exactlyOnce() async throws {
        try await withEnv { env in
            try env.schedule("tick", "every: 2s\noverlap: allow")
            let a = try env.start(), b = try env.start()
            try await Task.sleep(for: .seconds(60))
            a.signal(SIGTERM)
            b.signal(SIGTERM)
            let (ra, rb) = (await a.wait(), await b.wait())
            #expect(ra.status == 0 && rb.status == 0, "\(ra.stderr)\n\(rb.stderr)")
            let ticks = try await env.rows("""
            SELECT extract(epoch FROM logical_time)::bigint, count(*) FROM orch.runs WHERE trigger = 'schedule:tick'
            GROUP BY 1 ORDER BY 1
            """).map { (Int($0[0]!)!, Int($0[1]!)!) }
            #expect(ticks.count >= 25, "about 30 ticks in a minute, got \(ticks.count)")
            #expect(ticks.allSatisfy { $0.1 == 1 }, "a logical time ran twice: \(ticks.filter { $0.1 > 1 })")
            let gaps = zip(ticks, ticks.dropFirst()).filter { $1.0 - $0.0 != 2 }
            #expect(gaps.isEmpty, "missing ticks between \(gaps.map { ($0.0.0, $0.1.0) })")
            let firedBy = try await env.rows("SELECT count(DISTINCT claimed_by) FROM orch.schedule_ticks WHERE schedule = 'tick'")
            #expect(firedBy == [["2"]] || firedBy == [["1"]])
            #expect(try await env.rows("SELECT count(*) FROM orch.runs WHERE status <> 'succeeded'") == [["0"]])
        }
    }

    @Test("after 3 missed ticks, catchup: true runs them with their own logical times; catchup: false does not")
    func catchup() async throws {
        for catchup in [true, false] {
            try await withEnv { env in
                try env.schedule("c", "every: 2s\ncatchup: \(catchup)")
                var first = try env.start()
                let fired = try await env.wait("SELECT count(*) FROM orch.runs WHERE status = 'succeeded'", seconds: 60) { $0 >= 2 }
                first.signal(SIGTERM)
                let firstRun = await first.wait()
                #expect(fired >= 2, "the scheduler said: \(firstRun.stderr.suffix(3000))")
                let before = try #require(try await env.rows("SELECT extract(epoch FROM max(logical_time))::bigint FROM orch.schedule_ticks")
                    .first?.first.flatMap { $0 }.flatMap { Int($0) })
                try await Task.sleep(for: .milliseconds(7_000)) // ticks at +2, +4, +6 are missed
                first = try env.start()
                _ = try await env.wait("SELECT count(*) FROM orch.runs WHERE extract(epoch FROM logical_time) > \(before + 6)", seconds: 30) { $0 >= 1 }
                first.signal(SIGTERM)
                _ = await first.wait()
                let missed = try await env.rows("""
                SELECT count(*) FROM orch.runs WHERE extract(epoch FROM logical_time) IN (\(before + 2), \(before + 4), \(before + 6))
                """)[0][0]
                #expect(missed == (catchup ? "3" : "0"), "catchup: \(catchup)")
                let duplicates = try await env.rows("SELECT count(*) - count(DISTINCT logical_time) FROM orch.runs")
                #expect(duplicates == [["0"]])
            }
        }
    }

    @Test("SIGTERM during a long task: exits within the grace period, the run is cancelled, a restart carries on")
    func sigterm() async throws {
        try await withEnv { env in
            try env.schedule("long", "every: 2s\noverlap: skip", command: "sleep 30")
            let scheduler = try env.start(grace: "2s")
            _ = try await env.wait("SELECT count(*) FROM orch.attempts WHERE status = 'running'", seconds: 30) { $0 >= 1 }
            let signalled = Date()
            scheduler.signal(SIGTERM)
            let result = await scheduler.wait()
            #expect(Date().timeIntervalSince(signalled) < 8, "exits within the grace period (2 s) plus stopping")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("grace period over"))
            #expect(try await env.rows("SELECT count(*) FROM orch.runs WHERE status = 'running'") == [["0"]])
            let recorded = try await env.rows("SELECT status, message FROM orch.runs ORDER BY started_at")
            #expect(recorded.first?.first == "cancelled", "\(recorded)")
            #expect(try await env.rows("SELECT state FROM orch.task_runs LIMIT 1") == [["cancelled"]])
            let restarted = try env.start(grace: "1s")
            let runs = try await env.wait("SELECT count(*) FROM orch.runs", seconds: 30) { $0 >= 2 }
            restarted.signal(SIGTERM)
            _ = await restarted.wait()
            #expect(runs >= 2, "the restarted scheduler fires again")
        }
    }

    @Test("a run left running by a killed process stops blocking once its heartbeat expires (marked crashed)")
    func crashedRunUnblocks() async throws {
        try await withEnv { env in
            env.extra = ["ORCH_HEARTBEAT_EXPIRY": "3s", "ORCH_HEARTBEAT_INTERVAL": "1s"]
            try env.schedule("s", "every: 2s\noverlap: skip")
            // What `kill -9` of a scheduler leaves: a running run whose heartbeat stopped.
            try await Store.with(env.db) { store in
                try await store.warehouse.execute(script: """
                INSERT INTO orch.runs (id, pipeline, pipeline_file, trigger, logical_time, spec_hash, status, started_at, heartbeat_at, host, pid)
                VALUES ('dead-run', 's', 'x', 'schedule:s', now() - interval '1 minute', 'h', 'running', now() - interval '1 minute', now() - interval '50 seconds', 'gone', 1);
                INSERT INTO orch.task_runs (run_id, task_id, position, state) VALUES ('dead-run', 'work', 0, 'running');
                INSERT INTO orch.attempts (run_id, task_id, attempt, status, started_at, log_path) VALUES ('dead-run', 'work', 1, 'running', now() - interval '1 minute', '/x');
                """)
            }
            let scheduler = try env.start()
            let fired = try await env.wait("SELECT count(*) FROM orch.runs WHERE id <> 'dead-run' AND status = 'succeeded'", seconds: 30) { $0 >= 1 }
            scheduler.signal(SIGTERM)
            _ = await scheduler.wait()
            #expect(fired >= 1)
            let dead = try await env.rows("SELECT status, message FROM orch.runs WHERE id = 'dead-run'")
            #expect(dead.first?[0] == "crashed")
            #expect(dead.first?[1]?.contains("the orch process died (last heartbeat") == true)
            #expect(try await env.rows("SELECT status, error_class FROM orch.attempts WHERE run_id = 'dead-run'") == [["failed", "crashed"]])
        }
    }

    @Test("NOTIFY_SOCKET gets READY=1, then WATCHDOG=1 periodically, then STOPPING=1")
    func systemdNotify() async throws {
        try await withEnv { env in
            try env.schedule("n", "every: 1m")
            let path = "\(env.dir)/notify.sock"
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            #expect(fd >= 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (i, b) in path.utf8.enumerated() { buffer[i] = b }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            env.extra = ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"]
            let scheduler = try env.start()
            var messages: [String] = []
            /// The datagrams of the next `seconds` (until `done` says enough), read by a blocking `recv` off the pool.
            func receive(for seconds: Double, until done: @escaping @Sendable ([String]) -> Bool = { _ in false }) async -> [String] {
                await offPool {
                    var got: [String] = []
                    let end = Date().addingTimeInterval(seconds)
                    var buffer = [UInt8](repeating: 0, count: 512)
                    while Date() < end, !done(got) {
                        let n = recv(fd, &buffer, buffer.count, 0)
                        if n > 0 { got.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
                    }
                    return got
                }
            }
            // Ready once it has migrated and connected: with every suite at once, that can take seconds.
            messages += await receive(for: 30) { $0.contains("READY=1") }
            messages += await receive(for: 3)
            scheduler.signal(SIGTERM)
            messages += await receive(for: 2)
            _ = await scheduler.wait()
            let ready = messages.firstIndex(of: "READY=1")
            #expect(ready != nil, "\(messages)")
            #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 3, "\(messages)")
            #expect(messages.last(where: { !$0.hasPrefix("WATCHDOG") }) == "STOPPING=1", "\(messages)")
            if let ready, let stopping = messages.firstIndex(of: "STOPPING=1") { #expect(ready < stopping) }
        }
    }

    @Test("backfill runs each logical time once, skips those that succeeded unless --rerun; orch schedules shows the last run")
    func backfill() async throws {
        try await withEnv { env in
            try env.schedule("hourly", "cron: \"0 * * * *\"\nmax_active_runs: 2", command: "echo {{ run.logical_time }}")
            let args = ["backfill", "hourly", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T03:00:00Z", "--schedules", "\(env.dir)/schedules"]
            let first = try await runOrch(args, environment: env.vars, directory: env.dir)
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("4 logical time(s)"))
            let times = try await env.rows("SELECT to_char(logical_time AT TIME ZONE 'UTC', 'HH24:MI') FROM orch.runs WHERE status = 'succeeded' ORDER BY 1")
            #expect(times == [["00:00"], ["01:00"], ["02:00"], ["03:00"]])
            let again = try await runOrch(args, environment: env.vars, directory: env.dir)
            #expect(again.stdout.contains("0 logical time(s)"))
            let rerun = try await runOrch(args + ["--rerun"], environment: env.vars, directory: env.dir)
            #expect(rerun.stdout.contains("4 logical time(s)"))
            #expect(try await env.rows("SELECT count(*) FROM orch.runs") == [["8"]])
            let listing = try await runOrch(["schedules", "--schedules", "\(env.dir)/schedules", "--json"], environment: env.vars, directory: env.dir)
            let rows = (try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any])?["schedules"] as? [[String: Any]]
            #expect(rows?.first?["name"] as? String == "hourly")
            #expect(rows?.first?["last_status"] as? String == "succeeded")
            #expect(rows?.first?["next_fire"] != nil)
        }
    }
}
