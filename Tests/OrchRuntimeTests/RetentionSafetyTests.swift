import Foundation
import Testing
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// What retention must never do, and who may read a run folder.
@Suite("retention is safe; run folders are private", .timeLimit(.minutes(2)))
struct RetentionSafetyTests {
    @Test("prune deletes no folder outside ORCH_HOME whatever run_dir says, and keeps each schedule's latest tick")
    func pruneIsSafe() async throws {
        let url = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let home = "\(dir)/home", victim = "\(dir)/victim"
            try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
            try "keep me".write(toFile: "\(victim)/data.txt", atomically: true, encoding: .utf8)
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true)]
            // A real run first (so the schema exists), then an old one whose folder points elsewhere.
            try "name: tiny\ntasks:\n  - { id: a, kind: command, command: \"true\" }\n".write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
            #expect(try await runOrch(["run", "\(dir)/p.yml"], environment: vars, directory: dir).status == 0)
            _ = try await Store.with(url, migrate: false) { store in
                try await store.warehouse.execute(script: """
                INSERT INTO orch.runs (id, pipeline, pipeline_file, trigger, logical_time, spec_hash, status, run_dir, started_at, finished_at)
                VALUES ('20200101-000000-aaaaaa', 'tiny', 'p.yml', 'manual', now() - interval '400 days', 'x', 'succeeded',
                        '\(victim)', now() - interval '400 days', now() - interval '400 days');
                INSERT INTO orch.schedule_ticks (schedule, logical_time, status, claimed_by, claimed_at) VALUES
                  ('nightly', now() - interval '401 days', 'started', 'test', now() - interval '401 days'),
                  ('nightly', now() - interval '400 days', 'started', 'test', now() - interval '400 days');
                """)
            }
            let prune = try await runOrch(["prune", "--older-than", "30d"], environment: vars, directory: dir)
            #expect(prune.status == 0, "\(prune.stderr)")
            #expect(FileManager.default.fileExists(atPath: "\(victim)/data.txt"), "a folder outside ORCH_HOME was deleted")
            let ticks = try await Store.with(url, migrate: false) { try await $0.warehouse.rows("SELECT count(*) FROM orch.schedule_ticks WHERE schedule = 'nightly'") }
            #expect(ticks == [["1"]], "the latest tick stays for catch-up")
            let runs = try await Store.with(url, migrate: false) { try await $0.warehouse.rows("SELECT count(*) FROM orch.runs") }
            #expect(runs == [["1"]], "the old run row is pruned, the recent one kept")
        }
    }

    @Test("a run folder is 0700 and its attempt logs 0600")
    func runFolderModes() async throws {
        let url = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let home = "\(dir)/home"
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true)]
            // More than a stored tail holds, so the attempt's log is a file.
            try "name: tiny\ntasks:\n  - { id: a, kind: command, command: \"seq 1 5000\" }\n".write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
            #expect(try await runOrch(["run", "\(dir)/p.yml"], environment: vars, directory: dir).status == 0)
            let runs = try FileManager.default.contentsOfDirectory(atPath: "\(home)/tiny")
            let run = try #require(runs.first)
            func mode(_ path: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
            #expect(try mode("\(home)/tiny") == 0o700)
            #expect(try mode("\(home)/tiny/\(run)") == 0o700)
            #expect(try mode("\(home)/tiny/\(run)/a") == 0o700)
            #expect(try mode("\(home)/tiny/\(run)/a/attempt-1.log") == 0o600)
        }
    }
}
