import Foundation
import Testing
import OrchPostgres
import OrchStore
import OrchWarehouse
import OrchTestSupport

/// Exit codes scripts can trust, through the real binary: 2 for what the
/// user typed wrong, 1 for failed work, never 0 for nothing done.
@Suite("exit codes: the user's input is 2, failed work is 1", .timeLimit(.minutes(2)))
struct ExitCodeTests {
    struct Env {
        var dir: String
        var db: DatabaseURL
        var vars: [String: String] { ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)] }
        func orch(_ args: [String]) async throws -> ProcessResult { try await runOrch(args, environment: vars, directory: dir) }
        func write(_ files: [String: String]) throws {
            for (path, text) in files {
                let url = URL(fileURLWithPath: "\(dir)/\(path)")
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
        }
        func count(_ sql: String) async throws -> String? {
            try await Store.with(db) { try await $0.warehouse.rows(sql) }.first?.first ?? nil
        }
    }

    func withEnv(_ body: (Env) async throws -> Void) async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in try await body(Env(dir: dir, db: db)) }
    }

    static let commands = """
    name: two
    tasks:
      - { id: a, kind: command, command: "echo a" }
      - { id: b, kind: command, command: "echo b", after: [a] }
    """

    @Test("--select '' and a selection that leaves nothing exit 2 and record no run")
    func emptySelection() async throws {
        try await withEnv { env in
            try env.write(["two.yml": Self.commands])
            for args in [["--select", ""], ["--select", " , "], ["--select", "a", "--exclude", "a"], ["--exclude", "a,b"]] {
                let r = try await env.orch(["run", "two.yml"] + args)
                #expect(r.status == 2, "\(args): \(r.stdout)\(r.stderr)")
                #expect(r.stderr.contains("names no task") || r.stderr.contains("leaves no task"), "\(args): \(r.stderr)")
            }
            #expect(try await env.count("SELECT count(*) FROM orch.runs") == "0", "nothing recorded, so no empty run can pass for a success")
            let graph = try await env.orch(["graph", "two.yml", "--select", ""])
            #expect(graph.status == 2, "\(graph.stderr)")
            // The user's input is checked before the database is asked: a typo is 2 even when it is down, and at once.
            let started = Date()
            let down = try await runOrch(["run", "two.yml", "--select", "c"],
                                         environment: ["ORCH_HOME": "\(env.dir)/home", "ORCH_DATABASE_URL": "postgres://orch@127.0.0.1:1/none"],
                                         directory: env.dir)
            #expect(down.status == 2 && down.stderr.contains("`c` matches no task"), "\(down.stderr)")
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }

    @Test("a schedules folder that does not exist and an unknown schedule name exit 2, the name with the nearest one")
    func missingFolderAndUnknownSchedule() async throws {
        try await withEnv { env in
            for args in [["schedules", "--schedules", "/nonexist"], ["scheduler", "--schedules", "/nonexist"],
                         ["backfill", "x", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T01:00:00Z", "--schedules", "/nonexist"]] {
                let r = try await env.orch(args)
                #expect(r.status == 2, "\(args): \(r.stdout)\(r.stderr)")
                #expect(r.stderr.contains("no schedules folder at /nonexist"), "\(args): \(r.stderr)")
                #expect(r.stdout.isEmpty, "no empty table: \(r.stdout)")
            }
            let unwritable = try await env.orch(["sample-data", "/proc/orch-no-such-folder"])
            #expect(unwritable.status == 2 && unwritable.stderr.contains("cannot write the sample data to /proc/orch-no-such-folder"),
                    "\(unwritable.stderr)")
            try env.write(["two.yml": Self.commands, "schedules/hourly.yml": "pipeline: ../two.yml\ncron: \"0 * * * *\"\n"])
            let r = try await env.orch(["backfill", "hourli", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T01:00:00Z",
                                        "--schedules", "\(env.dir)/schedules"])
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("no schedule `hourli`") && r.stderr.contains("did you mean `hourly`?"), "\(r.stderr)")
        }
    }

    @Test("orch tests --failed exits 1 when it lists a failed test, 0 when only warnings or nothing")
    func failedTests() async throws {
        try await withEnv { env in
            let schema = { (severity: String) in
                "models:\n  - name: items\n    columns:\n      - name: id\n        tests: [{ not_null: { severity: \(severity) } }]\n"
            }
            try env.write(["m.yml": "name: m\ntasks:\n  - { id: models, kind: sql_model, path: models }\n",
                           "models/items.sql": "select 1 as id union all select null::int as id\n",
                           "models/items.yml": schema("warn")])
            let warned = try await env.orch(["run", "m.yml"])
            #expect(warned.status == 0, "a warning fails nothing: \(warned.stdout)\(warned.stderr)")
            let warnings = try await env.orch(["tests", "--failed"])
            #expect(warnings.status == 0, "\(warnings.stdout)\(warnings.stderr)")
            #expect(warnings.stdout.contains("not_null"), "the warning is listed: \(warnings.stdout)")

            try env.write(["models/items.yml": schema("error")])
            let failed = try await env.orch(["run", "m.yml"])
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            let listed = try await env.orch(["tests", "--failed"])
            #expect(listed.status == 1, "\(listed.stdout)\(listed.stderr)")
            #expect(listed.stdout.contains("not_null"), "\(listed.stdout)")
            #expect(try await env.orch(["tests", "--failed", "--json"]).status == 1)
            #expect(try await env.orch(["tests"]).status == 0, "without --failed it is a listing, not a verdict")
        }
    }
}
