import Foundation
import Testing
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// The `orch` binary against a real PostgreSQL (the acceptance list of the
/// engine issue). Each test gets its own database and ORCH_HOME.
@Suite("orch end to end", .timeLimit(.minutes(2)))
struct EndToEndTests {
    struct Env {
        var home: String
        var url: DatabaseURL
        var vars: [String: String] { ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true)] }
        func write(_ name: String, _ yaml: String) throws -> String {
            let path = "\(home)/\(name)"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func orch(_ args: String...) async throws -> ProcessResult { try await runOrch(args, environment: vars, directory: home) }
        func json(_ args: String...) async throws -> Any {
            let r = try await runOrch(args + ["--json"], environment: vars, directory: home)
            return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        }
    }

    func withEnv(_ body: (Env) async throws -> Void) async throws {
        let url = try await TestDatabase.fresh()
        try await withTemporaryDirectory { home in try await body(Env(home: home, url: url)) }
    }

    @Test("validate: a cycle exits 2 and prints it; a typo prints file:line:col and the suggestion")
    func validate() async throws {
        try await withEnv { env in
            let cyclic = try env.write("cycle.yml", """
            name: cyclic
            tasks:
              - { id: a, kind: command, command: "true", after: [c] }
              - { id: b, kind: command, command: "true", after: [a] }
              - { id: c, kind: command, command: "true", after: [b] }
            """)
            let r = try await env.orch("validate", cyclic)
            #expect(r.status == 2)
            #expect(r.stderr.contains("a → b → c → a") || r.stderr.contains("b → c → a → b") || r.stderr.contains("c → a → b → c"),
                    "\(r.stderr)")
            let typo = try env.write("typo.yml", """
            name: typo
            tasks:
              - id: a
                kind: command
                command: "true"
                retires: 3
            """)
            let t = try await env.orch("validate", typo)
            #expect(t.status == 2)
            #expect(t.stderr.contains("typo.yml:6:5: error: unknown key `retires`"), "\(t.stderr)")
            #expect(t.stderr.contains("did you mean `retries`?"))
            let json = (try await env.json("validate", typo) as? [String: Any])?["files"] as? [[String: Any]]
            let diagnostics = json?.first?["diagnostics"] as? [[String: Any]]
            #expect(diagnostics?.first?["line"] as? Int == 6)
            let ok = try env.write("ok.yml", "name: ok\ntasks:\n  - { id: a, kind: command, command: \"true\" }\n")
            #expect(try await env.orch("validate", ok).status == 0)
        }
    }

    @Test("a task failing twice then succeeding has 3 attempts, each with its own log, in status --json and in the tables")
    func retries() async throws {
        try await withEnv { env in
            let counter = "\(env.home)/count"
            let path = try env.write("flaky.yml", """
            name: flaky
            tasks:
              - id: flaky
                kind: command
                retries: 3
                retry_delay: 50ms
                command: 'n=$(cat \(counter) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(counter); echo "attempt $n"; test $n -ge 3'
            """)
            let r = try await env.orch("run", path)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let runs = try #require((try await env.json("status") as? [String: Any])?["runs"] as? [[String: Any]])
            let id = try #require(runs.first?["run_id"] as? String)
            let detail = try #require(try await env.json("status", id) as? [String: Any])
            let task = try #require((detail["tasks"] as? [[String: Any]])?.first)
            #expect(task["status"] as? String == "succeeded")
            // `latest` names the most recent run wherever a RUN is taken, as it does for `orch logs`.
            let latest = try #require(try await env.json("status", "latest") as? [String: Any])
            #expect((latest["run"] as? [String: Any])?["run_id"] as? String == id)
            let report = try await env.orch("report", "latest")
            #expect(report.status == 0 && report.stdout.contains(id), "\(report.stdout)\(report.stderr)")
            let attempts = try #require(task["attempts"] as? [[String: Any]])
            #expect(attempts.map { $0["status"] as? String } == ["failed", "failed", "succeeded"])
            for (n, attempt) in attempts.enumerated() {
                let path = try #require(attempt["log_path"] as? String)
                // A failed attempt's log is a file; the short success's is all in its stored tail.
                #expect(FileManager.default.fileExists(atPath: path) == (n < 2), "\(path)")
                let logs = try await env.orch("logs", id, "flaky", "--attempt", "\(n + 1)")
                #expect(logs.stdout.contains("attempt \(n + 1)\n"), "\(logs.stdout)")
            }
            #expect(attempts[0]["log_path"] as? String == "\(env.home)/flaky/\(id)/flaky/attempt-1.log")
            try await Store.with(env.url) { store in
                let rows = try await store.warehouse.rows("SELECT count(*), max(attempt) FROM orch.attempts WHERE run_id = '\(id)'")
                #expect(rows == [["3", "3"]])
            }
        }
    }

    @Test("a timeout kills the process, fails with how long, blocks downstream; a sibling succeeds; exit 1")
    func timeout() async throws {
        try await withEnv { env in
            let pidFile = "\(env.home)/pid"
            let path = try env.write("slow.yml", """
            name: slow
            tasks:
              - id: slow
                kind: command
                timeout: 1s
                kill_grace: 500ms
                command: 'sleep 60 & echo $! > \(pidFile); wait'
              - { id: downstream, kind: command, command: "true", after: [slow] }
              - { id: sibling, kind: command, command: "echo fine" }
            """)
            let r = try await env.orch("run", path)
            #expect(r.status == 1)
            let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(ProcessProbe.isGone(pid), "sleep 60 must be gone")
            if !ProcessProbe.isGone(pid) { kill(pid, SIGKILL) }
            let runs = try #require((try await env.json("status") as? [String: Any])?["runs"] as? [[String: Any]])
            let runID = try #require(runs.first?["run_id"] as? String)
            let detail = try #require(try await env.json("status", runID) as? [String: Any])
            let tasks = Dictionary(uniqueKeysWithValues: try #require(detail["tasks"] as? [[String: Any]]).map {
                ($0["task_id"] as! String, $0)
            })
            #expect(tasks["slow"]?["status"] as? String == "failed")
            #expect((tasks["slow"]?["message"] as? String)?.contains("timed out after 1s") == true)
            #expect(tasks["downstream"]?["status"] as? String == "upstream_failed")
            #expect(tasks["sibling"]?["status"] as? String == "succeeded")
            #expect((detail["run"] as? [String: Any])?["status"] as? String == "failed")
        }
    }

    @Test("SIGTERM: within seconds every task is final and the run is cancelled")
    func sigterm() async throws {
        try await withEnv { env in
            let path = try env.write("long.yml", """
            name: long
            tasks:
              - { id: a, kind: command, command: "sleep 30" }
              - { id: b, kind: command, command: "sleep 30" }
              - { id: c, kind: command, command: "true", after: [a] }
            """)
            let process = try startOrch(["run", path], environment: env.vars, directory: env.home)
            // Wait until the run is recorded and its tasks run.
            var started = false
            for _ in 0..<100 where !started {
                try await Task.sleep(for: .milliseconds(100))
                let log = "\(env.home)/long"
                started = ((try? FileManager.default.subpathsOfDirectory(atPath: log)) ?? []).contains { $0.hasSuffix("b/attempt-1.log") }
            }
            #expect(started)
            let signalled = ContinuousClock.now
            process.signal(SIGTERM)
            let result = await process.wait()
            #expect(ContinuousClock.now - signalled < .seconds(10), "well under kill_grace + a loaded machine")
            #expect(result.status == 130)
            let runs = try #require((try await env.json("status") as? [String: Any])?["runs"] as? [[String: Any]])
            #expect(runs.first?["status"] as? String == "cancelled")
            let runID = try #require(runs.first?["run_id"] as? String)
            let detail = try #require(try await env.json("status", runID) as? [String: Any])
            let states = try #require(detail["tasks"] as? [[String: Any]]).map { $0["status"] as? String }
            #expect(states == ["cancelled", "cancelled", "cancelled"])
        }
    }

    @Test("params override, selection, unknown param is a usage error")
    func paramsAndSelection() async throws {
        try await withEnv { env in
            let out = "\(env.home)/out"
            let path = try env.write("p.yml", """
            name: params
            params: { word: default }
            tasks:
              - { id: one, kind: command, command: "echo {{ params.word }} >> \(out)" }
              - { id: two, kind: command, command: "echo two >> \(out)", after: [one] }
            """)
            #expect(try await env.orch("run", path, "--param", "word=custom", "--select", "one").status == 0)
            #expect(try String(contentsOfFile: out, encoding: .utf8) == "custom\n")
            let bad = try await env.orch("run", path, "--param", "wrd=x")
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("did you mean `word`?") || bad.stderr.contains("Did you mean `word`?"), "\(bad.stderr)")
            #expect(try await env.orch("run", path, "--select", "nope").status == 2)
            #expect(try await env.orch("run", "\(env.home)/missing.yml").status == 2)
            #expect(try await env.orch("run").status == 2, "usage errors exit 2")
        }
    }

    @Test("graph prints dot and mermaid")
    func graph() async throws {
        try await withEnv { env in
            let path = try env.write("g.yml", """
            name: g
            tasks:
              - { id: load, kind: command, command: "true", writes: [raw.t] }
              - { id: model, kind: command, command: "true", reads: [raw.t] }
            """)
            #expect(try await env.orch("graph", path, "--format", "dot").stdout.contains("\"load\" -> \"model\""))
            #expect(try await env.orch("graph", path, "--format", "mermaid").stdout.contains("-.->|raw.t|"))
        }
    }
}
