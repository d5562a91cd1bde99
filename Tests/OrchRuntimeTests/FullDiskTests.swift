import Foundation
import Testing
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// The run folder on a full filesystem (a 256 KiB tmpfs, filled): the run
/// must not end `succeeded` with empty logs. Needs root (to mount); skipped
/// elsewhere.
@Suite("a full disk is loud", .timeLimit(.minutes(2)), .enabled(if: geteuid() == 0, "mounting a small tmpfs needs root"))
struct FullDiskTests {
    @Test("attempt logs that cannot be written fail the attempt (log_write); the run exits 1 and says why")
    func fullDisk() async throws {
        let url = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let home = "\(dir)/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            guard system("mount -t tmpfs -o size=256k tmpfs '\(home)' 2>/dev/null") == 0 else {
                Issue.record("cannot mount a tmpfs here")
                return
            }
            defer { _ = system("umount '\(home)'") }
            // Fill it: nothing more can be written, though files and folders can still be made.
            if let fill = FileHandle(forWritingAtPath: { _ = FileManager.default.createFile(atPath: "\(home)/fill", contents: nil); return "\(home)/fill" }()) {
                let block = Data(count: 4096)
                while (try? fill.write(contentsOf: block)) != nil {}
                try? fill.close()
            }
            // More output than an attempt's stored tail holds: only the full disk could keep it.
            try "name: full\ntasks:\n  - { id: a, kind: command, command: \"seq 1 20000\" }\n"
                .write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true)]
            let r = try await runOrch(["run", "\(dir)/p.yml"], environment: vars, directory: dir)
            #expect(r.status != 0, "a run whose logs are lost must not exit 0: \(r.stdout)\(r.stderr)")
            let attempts = try await Store.with(url, migrate: false) { try await $0.warehouse.rows("SELECT status, error_class FROM orch.attempts") }
            if !attempts.isEmpty { #expect(attempts == [["failed", "log_write"]], "\(attempts)") }
            #expect(r.stderr.contains("report.md") || r.stdout.contains("log"), "the report that cannot be written is named: \(r.stderr)")
        }
    }
}
