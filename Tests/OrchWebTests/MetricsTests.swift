import Foundation
import Testing
import OrchPostgres
import OrchTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `/metrics` of a real `orch scheduler` on a real store, scraped over real
/// HTTP and checked with Prometheus' own parser (Python's prometheus_client).
@Suite("metrics: orch scheduler --metrics-port / --http-port", .timeLimit(.minutes(3)))
struct MetricsTests {
    /// A scheduler firing `schedule` (a pipeline of two empty tasks) with `flags`; its bound URL from its stderr.
    struct Scheduler {
        var process: RunningProcess
        var web: WebFixture

        static func start(dir: String, db: DatabaseURL, cron: String, flags: [String], files: [String: String] = [:]) async throws -> Scheduler {
            let setup = WebFixture(dir: dir, db: db, port: 0, extra: ["NOTIFY_SOCKET": ""])
            for (path, text) in files { _ = try setup.write(path, text) }
            _ = try setup.write("pipelines/tick.yml", """
            name: tick
            tasks:
              - { id: first, kind: empty }
              - { id: second, kind: empty, after: [first] }
            """)
            _ = try setup.write("schedules/tick.yml", "pipeline: ../pipelines/tick.yml\ncron: \"\(cron)\"\ncatchup: false\noverlap: allow\n")
            let process = try startOrch(["scheduler", "--schedules", "\(dir)/schedules"] + flags, environment: setup.vars, directory: dir)
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, process.isRunning {
                if let match = process.errorsSoFar.firstMatch(of: /orch scheduler: serving http:\/\/127\.0\.0\.1:(\d+)\//), let port = Int(match.1) {
                    var web = setup
                    web.port = port
                    return Scheduler(process: process, web: web)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            process.signal(SIGKILL)
            let result = await process.wait()
            throw SchedulerDidNotServe(stderr: result.stderr)
        }

        /// SIGTERM, and the exit within a bound (killed past it, so no test leaves one behind).
        func stop() async -> ProcessResult {
            process.signal(SIGTERM)
            let killer = Task { [process] in
                try await Task.sleep(for: .seconds(60))
                if process.isRunning { process.signal(SIGKILL) }
            }
            defer { killer.cancel() }
            return await process.wait()
        }
    }

    struct SchedulerDidNotServe: Error, CustomStringConvertible {
        var stderr: String
        var description: String { "the scheduler printed no address within 60 s:\n\(stderr)" }
    }

    @Test("counters move after runs, fire lag and task durations are observed, and the scrape parses with sane histograms")
    func countersMove() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            // Beside the quick runs, a slow one, so that a scrape sees a running run's heartbeat.
            let slow = ["pipelines/slow.yml": "name: slow\ntasks:\n  - { id: nap, kind: command, command: \"sleep 3\" }\n",
                        "schedules/slow.yml": "pipeline: ../pipelines/slow.yml\ncron: \"*/4 * * * * *\"\ncatchup: false\noverlap: skip\n"]
            let scheduler = try await Scheduler.start(dir: dir, db: db, cron: "* * * * * *", flags: ["--metrics-port", "0"], files: slow)
            var stopped = false
            defer { if !stopped { scheduler.process.signal(SIGKILL) } }
            let first = try await scheduler.web.get("/metrics")
            #expect(first.status == 200)
            #expect(first.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let before = Scrape(first.body).value("orch_runs_total", ["pipeline": "tick", "status": "succeeded"]) ?? 0

            // Every second a run: wait (bounded) until at least two more have finished.
            var later = Scrape("")
            let deadline = Date().addingTimeInterval(60)
            repeat {
                try await Task.sleep(for: .milliseconds(500))
                later = Scrape(try await scheduler.web.get("/metrics").body)
            } while (later.value("orch_runs_total", ["pipeline": "tick", "status": "succeeded"]) ?? 0) < before + 2 && Date() < deadline
            let after = later.value("orch_runs_total", ["pipeline": "tick", "status": "succeeded"]) ?? 0
            #expect(after >= before + 2, "orch_runs_total did not move: \(before) → \(after)\n\(later.text)")

            let tasks = later.value("orch_task_runs_total", ["pipeline": "tick", "kind": "empty", "status": "succeeded"]) ?? 0
            #expect(tasks >= 2 * after, "two empty tasks per run: \(tasks) for \(after) runs")
            #expect((later.value("orch_task_duration_seconds_count", ["pipeline": "tick", "kind": "empty"]) ?? 0) >= tasks)
            #expect((later.value("orch_schedule_fire_lag_seconds_count", ["schedule": "tick"]) ?? 0) >= 2, "fire lag observed")
            // An on-time tick fires well within a second of its due time.
            let lagSum = later.value("orch_schedule_fire_lag_seconds_sum", ["schedule": "tick"]) ?? .infinity
            let lagCount = later.value("orch_schedule_fire_lag_seconds_count", ["schedule": "tick"]) ?? 1
            #expect(lagSum / lagCount < 1, "mean fire lag \(lagSum / lagCount) s")
            #expect((later.value("orch_store_write_seconds_count", [:]) ?? 0) > 0, "store writes timed")
            #expect(later.value("orch_recorder_queue_depth", [:]).map { $0 >= 0 } == true, "queue depth shown\n\(later.text)")
            let age = later.value("orch_schedule_last_success_age_seconds", ["schedule": "tick"])
            #expect(age.map { $0 >= 0 && $0 < 30 } == true, "last success age of a schedule that just succeeded: \(String(describing: age))")

            // The heartbeat of the slow run while it runs (read from the store at scrape time).
            var heartbeat: Double?
            let beatDeadline = Date().addingTimeInterval(30)
            while heartbeat == nil, Date() < beatDeadline {
                later = Scrape(try await scheduler.web.get("/metrics").body)
                heartbeat = later.value("orch_run_heartbeat_age_seconds", ["pipeline": "slow"])
                if heartbeat == nil { try await Task.sleep(for: .milliseconds(300)) }
            }
            #expect(heartbeat.map { $0 >= 0 && $0 < 60 } == true, "heartbeat age of the running slow run: \(String(describing: heartbeat))")

            let parsed = try await parse(later.text, counters: ["orch_runs_total", "orch_task_runs_total"], dir: dir)
            #expect(parsed.status == 0, "prometheus_client: \(parsed.stdout)\(parsed.stderr)")

            let result = await scheduler.stop()
            stopped = true
            #expect(result.status == 0, "SIGTERM is a clean stop: \(result.stderr)")
            #expect(result.stderr.components(separatedBy: "serving http://").count == 2, "the address is printed once")
        }
    }

    @Test("--http-port serves the pages and /metrics side by side")
    func httpPort() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let scheduler = try await Scheduler.start(dir: dir, db: db, cron: "0 0 1 1 *", flags: ["--http-port", "0"])
            var stopped = false
            defer { if !stopped { scheduler.process.signal(SIGKILL) } }
            let page = try await scheduler.web.get("/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            let schedules = try await scheduler.web.get("/schedules")
            #expect(schedules.status == 200 && schedules.body.contains("tick"), "the scheduler's own folder: \(schedules.body.prefix(500))")
            let metrics = try await scheduler.web.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let parsed = try await parse(metrics.body, counters: [], dir: dir)
            #expect(parsed.status == 0, "prometheus_client: \(parsed.stdout)\(parsed.stderr)")
            let result = await scheduler.stop()
            stopped = true
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    @Test("--metrics-port only serves /metrics; beyond loopback without ORCH_UI_TOKEN the scheduler refuses to start (exit 2)")
    func metricsOnlyAndGuard() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let scheduler = try await Scheduler.start(dir: dir, db: db, cron: "0 0 1 1 *", flags: ["--metrics-port", "0"])
            var stopped = false
            defer { if !stopped { scheduler.process.signal(SIGKILL) } }
            #expect(try await scheduler.web.get("/").status == 404, "no pages with --metrics-port")
            #expect(try await scheduler.web.get("/metrics").status == 200)
            let result = await scheduler.stop()
            stopped = true
            #expect(result.status == 0, "\(result.stderr)")

            let open = try await runOrch(["scheduler", "--schedules", "\(dir)/schedules", "--metrics-port", "0", "--listen-host", "0.0.0.0"],
                                         environment: scheduler.web.vars.merging(["ORCH_UI_TOKEN": ""]) { $1 }, directory: dir)
            #expect(open.status == 2, "\(open.stderr)")
            #expect(open.stderr.contains("ORCH_UI_TOKEN"))
        }
    }

    /// Runs parse_metrics.py (beside this file) on `text`, waiting for it off the cooperative pool.
    func parse(_ text: String, counters: [String], dir: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        let file = "\(dir)/scrape.txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("parse_metrics.py").path
        return try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, file] + counters
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }
    }
}

/// Samples of a scrape, found by name and labels (all of `labels` must match; others may be there).
struct Scrape {
    var text: String
    init(_ text: String) { self.text = text }

    func value(_ name: String, _ labels: [String: String]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space], value = line[line.index(after: space)...]
            let metric = series.prefix { $0 != "{" }
            guard metric == name else { continue }
            let labelText = series.dropFirst(metric.count)
            if labels.allSatisfy({ labelText.contains("\($0.key)=\"\($0.value)\"") }) { return Double(value) }
        }
        return nil
    }
}
