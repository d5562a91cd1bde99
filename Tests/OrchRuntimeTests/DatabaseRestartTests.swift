import Foundation
import Testing
import OrchSampleData
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchRandom
import OrchPostgres

/// The database stopped with `pg_ctl stop -m immediate` in the middle of the
/// marketing pipeline and started again a few seconds later, in a loop:
/// every run ends (no task hangs in `running`), and after `orch retry` the
/// warehouse holds exactly what a clean run gives and every succeeded task
/// has its succeeded attempt on record. `ORCH_FAULT_ROUNDS` sets the rounds
/// (1 by default; the long mode, `bash .ci/faults`, runs 10).
@Suite("faults mid-run: database restarts, kill -9", .timeLimit(.minutes(10)))
struct DatabaseRestartTests {
    static let rounds = ProcessInfo.processInfo.environment["ORCH_FAULT_ROUNDS"].flatMap(Int.init) ?? 1

    @Test("pg_ctl stop -m immediate mid-run, restart after 2-5 s: no hang, retry gives exact counts")
    func restartLoop() async throws {
        var rng = SeededRandom(seed: UInt64(Date().timeIntervalSince1970))
        try await withTemporaryDirectory { dir in
            try await SampleFixture.write(to: "\(dir)/data")
            let home = "\(dir)/home"
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": "", "ORCH_HEARTBEAT_INTERVAL": "1s"]
            try await stoppingEmbedded(home: home) {
                let pipeline = "\(ShippedPipelinesTests.repo)/pipelines/marketing.yml"
                #expect(try await runOrch(["db", "start"], environment: vars, directory: dir).status == 0)
                for round in 1...Self.rounds {
                    let run = try startOrch(["run", pipeline, "--param", "data_dir=\(dir)/data"], environment: vars, directory: dir)
                    let stopAfter = 0.5 + 3 * rng.unit(), downFor = 2 + 3 * rng.unit()
                    try await Task.sleep(for: .milliseconds(Int(stopAfter * 1000)))
                    try await pgCtl(["stop", "-m", "immediate"], home: home)
                    try await Task.sleep(for: .milliseconds(Int(downFor * 1000)))
                    #expect(try await runOrch(["db", "start"], environment: vars, directory: dir).status == 0)
                    let ended = Date()
                    let result = await run.wait()
                    let waited = Date().timeIntervalSince(ended)
                    let context = "round \(round): stopped after \(stopAfter) s for \(downFor) s; exit \(result.status)"
                    #expect([0, 1].contains(result.status), "\(context)\n\(result.stdout.suffix(2000))\(result.stderr)")
                    #expect(waited < 120, "\(context): the run took \(waited) s after the restart")
                    let status = try await runOrch(["status", "--json", "--limit", "1"], environment: vars, directory: dir)
                    let latest = try #require(((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])?.first)
                    let runID = try #require(latest["run_id"] as? String)
                    if latest["status"] as? String != "succeeded" {
                        let retry = try await runOrch(["retry", runID], environment: vars, directory: dir)
                        #expect(retry.status == 0, "\(context); retry: \(retry.stdout.suffix(2000))\(retry.stderr)")
                    }
                    let check = try await runOrch(["db", "psql", "-tA", "-c", """
                    SELECT (SELECT count(*) FROM analytics.fct_sales) || ',' || (SELECT count(*) FROM analytics.dim_customer) || ',' ||
                           (SELECT count(*) FROM raw.online_sales) || ',' ||
                           (SELECT count(*) FROM orch.task_runs WHERE run_id = '\(runID)' AND state <> 'succeeded') || ',' ||
                           (SELECT count(*) FROM orch.task_runs t WHERE run_id = '\(runID)' AND state = 'succeeded' AND NOT EXISTS (
                              SELECT 1 FROM orch.attempts a WHERE a.run_id = t.run_id AND a.task_id = t.task_id AND a.status = 'succeeded'))
                    """], environment: vars, directory: dir)
                    #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "52924,1468,52924,0,0", "\(context): \(check.stdout)\(check.stderr)")
                }
            }
        }
    }

    @Test("kill -9 of orch run at a random moment, then orch retry: exact counts, every succeeded task has its attempt")
    func killLoop() async throws {
        var rng = SeededRandom(seed: UInt64(Date().timeIntervalSince1970) &+ 7)
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            try await SampleFixture.write(to: "\(dir)/data")
            let vars = ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true),
                        "ORCH_HEARTBEAT_INTERVAL": "300ms", "ORCH_HEARTBEAT_EXPIRY": "1s"]
            let pipeline = "\(ShippedPipelinesTests.repo)/pipelines/marketing.yml"
            for round in 1...Self.rounds {
                let run = try startOrch(["run", pipeline, "--param", "data_dir=\(dir)/data"], environment: vars, directory: dir)
                let killAfter = 0.3 + 4 * rng.unit()
                try await Task.sleep(for: .milliseconds(Int(killAfter * 1000)))
                run.signal(SIGKILL)
                _ = await run.wait()
                try await Task.sleep(for: .milliseconds(1500))  // past the heartbeat expiry
                var status = try await runOrch(["status", "--json", "--limit", "1"], environment: vars, directory: dir)
                if ((try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])?.isEmpty ?? true {
                    // Killed before the run was recorded at all: nothing to resume, so run it afresh.
                    let fresh = try await runOrch(["run", pipeline, "--param", "data_dir=\(dir)/data"], environment: vars, directory: dir)
                    #expect(fresh.status == 0, "\(fresh.stdout.suffix(2000))\(fresh.stderr)")
                    status = try await runOrch(["status", "--json", "--limit", "1"], environment: vars, directory: dir)
                }
                let latest = try #require(((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])?.first)
                let runID = try #require(latest["run_id"] as? String)
                let context = "round \(round): killed after \(killAfter) s, run \(runID) \(latest["status"] ?? "?")"
                if latest["status"] as? String != "succeeded" {
                    let retry = try await runOrch(["retry", runID], environment: vars, directory: dir)
                    #expect(retry.status == 0, "\(context); retry: \(retry.stdout.suffix(2000))\(retry.stderr)")
                }
                let check = try await Store.with(db) { store in
                    try await store.warehouse.rows("""
                    SELECT (SELECT count(*) FROM analytics.fct_sales), (SELECT count(*) FROM raw.online_sales),
                           (SELECT count(*) FROM orch.task_runs WHERE run_id = '\(runID)' AND state <> 'succeeded'),
                           (SELECT count(*) FROM orch.task_runs t WHERE run_id = '\(runID)' AND state = 'succeeded' AND NOT EXISTS (
                              SELECT 1 FROM orch.attempts a WHERE a.run_id = t.run_id AND a.task_id = t.task_id AND a.status = 'succeeded'))
                    """)
                }
                #expect(check == [["52924", "52924", "0", "0"]], "\(context)")
            }
        }
    }

    /// `pg_ctl` on the embedded cluster, as its owner.
    func pgCtl(_ arguments: [String], home: String) async throws {
        let bin = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin", "/usr/bin"]
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/pg_ctl") } ?? "/usr/bin"
        let process = Process()
        var argv = ["\(bin)/pg_ctl"] + arguments + ["-D", "\(home)/postgres/data"]
        if geteuid() == 0 { argv = ["-u", "postgres", "--"] + argv }
        process.executableURL = URL(fileURLWithPath: geteuid() == 0 ? "/usr/sbin/runuser" : argv.removeFirst())
        process.arguments = argv
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    }
}
