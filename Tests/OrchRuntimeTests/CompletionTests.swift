import Foundation
import Testing
import OrchPostgres
import OrchTestSupport

/// Shell completion beyond file names: the scripts ArgumentParser generates
/// call `orch ---completion …` while the user types; these are those calls.
@Suite("shell completion: run ids, task ids, schedules", .timeLimit(.minutes(2)))
struct CompletionTests {
    /// What the shell script asks for `orch COMMAND <prefix><TAB>` at `argument`.
    func complete(_ command: [String], argument: String, prefix: String = "", environment: [String: String] = [:],
                  directory: String) async throws -> [String] {
        let words = ["orch"] + command + [prefix]
        let r = try await runOrch(["---completion"] + command + ["--", argument, String(words.count - 1), String(prefix.count)] + words,
                                  environment: environment, directory: directory)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    @Test("the scripts are generated for bash, zsh and fish, and name orch's commands")
    func scripts() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try await runOrch(["--generate-completion-script", shell])
            #expect(r.status == 0, "\(shell): \(r.stderr)")
            #expect(r.stdout.contains("report") && r.stdout.contains("---completion"), "\(shell)")
        }
    }

    @Test("report and retry complete recorded run ids by prefix; with no database, nothing and at once")
    func runIDs() async throws {
        let url = try await TestDatabase.fresh()
        try await withTemporaryDirectory { home in
            let env = ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true)]
            try "name: tiny\ntasks:\n  - { id: hello, kind: command, command: \"true\" }\n"
                .write(toFile: "\(home)/p.yml", atomically: true, encoding: .utf8)
            let run = try await runOrch(["run", "p.yml"], environment: env, directory: home)
            #expect(run.status == 0, "\(run.stderr)")
            let ids = try await complete(["report"], argument: "positional@0", environment: env, directory: home)
            #expect(ids.count == 1, "\(ids)")
            let id = try #require(ids.first)
            #expect(run.stdout.contains(id), "the id completed is the run's\n\(run.stdout)")
            #expect(try await complete(["retry"], argument: "positional@0", prefix: String(id.prefix(4)),
                                       environment: env, directory: home) == [id])
            #expect(try await complete(["retry"], argument: "positional@0", prefix: "zz", environment: env, directory: home).isEmpty)
            // No URL and no embedded cluster running: no server is started to complete a word.
            let started = ContinuousClock.now
            #expect(try await complete(["report"], argument: "positional@0", environment: ["ORCH_HOME": home + "/none"],
                                       directory: home).isEmpty)
            #expect(ContinuousClock.now - started < .seconds(10), "bounded")
            #expect(!FileManager.default.fileExists(atPath: home + "/none/postgres"), "no cluster created for a completion")
        }
    }
}
