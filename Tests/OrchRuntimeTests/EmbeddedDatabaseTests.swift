import Foundation
import Testing
import OrchTestSupport

/// The embedded default: no ORCH_DATABASE_URL, a private cluster under ORCH_HOME.
@Suite("embedded PostgreSQL", .timeLimit(.minutes(2)))
struct EmbeddedDatabaseTests {
    @Test("history survives stopping the embedded database; db url/stop work")
    func historySurvives() async throws {
        try await withTemporaryDirectory { home in
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": ""]
            try await stoppingEmbedded(home: home) {
                try "name: tiny\ntasks:\n  - { id: a, kind: command, command: \"echo hi\" }\n"
                    .write(toFile: "\(home)/tiny.yml", atomically: true, encoding: .utf8)
                let run = try await runOrch(["run", "tiny.yml"], environment: vars, directory: home)
                #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                #expect(FileManager.default.fileExists(atPath: "\(home)/postgres/data/PG_VERSION"))
                let url = try await runOrch(["db", "url"], environment: vars, directory: home)
                #expect(url.stdout.hasPrefix("postgresql://postgres@/postgres?host="))
                #expect(try await runOrch(["db", "stop"], environment: vars, directory: home).status == 0)
                let status = try await runOrch(["status", "--json"], environment: vars, directory: home)
                #expect(status.status == 0, "\(status.stderr)")
                let runs = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]]
                #expect(runs?.count == 1)
                #expect(runs?.first?["status"] as? String == "succeeded")
            }
        }
    }

    @Test("two orch processes starting the embedded database at once do not collide")
    func concurrentStart() async throws {
        try await withTemporaryDirectory { home in
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": ""]
            try await stoppingEmbedded(home: home) {
                let a = try startOrch(["status"], environment: vars, directory: home)
                let b = try startOrch(["status"], environment: vars, directory: home)
                let (ra, rb) = (await a.wait(), await b.wait())
                #expect(ra.status == 0, "\(ra.stderr)")
                #expect(rb.status == 0, "\(rb.stderr)")
            }
        }
    }

    @Test("the database stops in the middle of a run: tasks go on, every state is recorded once it is back")
    func outage() async throws {
        try await withTemporaryDirectory { home in
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": ""]
            try await stoppingEmbedded(home: home) {
                try """
                name: outage
                tasks:
                  - { id: first, kind: command, command: "sleep 3; echo done" }
                  - { id: second, kind: command, command: "echo second", after: [first] }
                """.write(toFile: "\(home)/p.yml", atomically: true, encoding: .utf8)
                #expect(try await runOrch(["db", "start"], environment: vars, directory: home).status == 0)
                let run = try startOrch(["run", "p.yml"], environment: vars, directory: home)
                // Stop the database once the run is under way (its first task is running).
                for _ in 0..<300 {
                    let started = ((try? FileManager.default.subpathsOfDirectory(atPath: "\(home)/outage")) ?? []).contains { $0.hasSuffix("first/attempt-1.log") }
                    if started { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await runOrch(["db", "stop"], environment: vars, directory: home).status == 0)
                try await Task.sleep(for: .seconds(4)) // `first` finishes while the database is down
                #expect(try await runOrch(["db", "start"], environment: vars, directory: home).status == 0)
                let result = await run.wait()
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                let status = try await runOrch(["status", "--json"], environment: vars, directory: home)
                let runs = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]]
                #expect(runs?.first?["status"] as? String == "succeeded")
                #expect((runs?.first?["task_counts"] as? [String: Int])?["succeeded"] == 2)
            }
        }
    }
}
