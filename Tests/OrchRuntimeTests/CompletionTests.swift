import Foundation
import Testing
import OrchPostgres
import OrchTestSupport

/// Shell completion beyond file names: the scripts ArgumentParser generates
/// call `orch ---completion …` while the user types; these are those calls.
@Suite("shell completion: run ids, task ids, schedules", .timeLimit(.minutes(2)))
struct CompletionTests {
    /// What the shell script asks for `orch COMMAND <prefix><TAB>` at `argument`.
    /// `typed` is what the line holds between the command and the word being completed.
    func complete(_ command: [String], argument: String, typed: [String] = [], prefix: String = "", environment: [String: String] = [:],
                  directory: String) async throws -> [String] {
        let words = ["orch"] + command + typed + [prefix]
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
            // Completion gives up after 2s by design; a CI machine running every suite at once can be slower to connect.
            let env = ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true), "ORCH_COMPLETION_LIMIT": "60s"]
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

    @Test("task ids complete --select and --exclude from the pipeline on the line; run ids complete status and tests; pipelines --pipeline")
    func otherArguments() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/pipelines", withIntermediateDirectories: true)
            try "name: tiny\ntasks:\n  - { id: hello, kind: command, command: \"true\" }\n  - { id: help_me, kind: empty }\n  - { id: other, kind: empty }\n"
                .write(toFile: "\(dir)/pipelines/tiny.yml", atomically: true, encoding: .utf8)
            let env = ["ORCH_HOME": dir + "/none"]
            for command in ["run", "ls", "graph"] {
                for option in ["--select", "--exclude"] {
                    #expect(try await complete([command], argument: option, typed: ["pipelines/tiny.yml", option], prefix: "hel",
                                               environment: env, directory: dir) == ["hello", "help_me"], "\(command) \(option)")
                }
            }
            #expect(try await complete(["status"], argument: "--pipeline", typed: ["--pipeline"], prefix: "ti", environment: env,
                                       directory: dir) == ["tiny"])
            // No database reachable: run ids complete to nothing, at once, and start nothing.
            for command in ["status", "tests"] {
                #expect(try await complete([command], argument: "positional@0", environment: env, directory: dir).isEmpty)
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/none/postgres"))
        }
    }
}
