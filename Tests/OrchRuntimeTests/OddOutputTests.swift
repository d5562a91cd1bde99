import Foundation
import Testing
import OrchPostgres
import OrchStore
import OrchTestSupport
import OrchExecution
@testable import OrchRuntime

/// Output that was wrong or odd (issue 12): each case failed before its fix.
@Suite("odd output, fixed", .timeLimit(.minutes(2)))
struct OddOutputTests {
    @Test("orch validate DIR says it is a folder; a missing file is `no such file`, at no fake location")
    func validateFolderAndMissingFile() async throws {
        try await withTemporaryDirectory { dir in
            let folder = try await runOrch(["validate", dir])
            #expect(folder.status == 2)
            #expect(folder.stderr.contains("`\(dir)` is a folder; pass the pipeline files (e.g. \(dir)/*.yml)"), "\(folder.stderr)")
            #expect(!folder.stderr.contains("NSCocoaErrorDomain"), "\(folder.stderr)")
            let missing = try await runOrch(["validate", "\(dir)/nope.yml"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("error: `\(dir)/nope.yml`: no such file"), "\(missing.stderr)")
            #expect(!missing.stderr.contains(":1:1"), "no fake location: \(missing.stderr)")
        }
    }

    @Test("every error has one prefix, `error:`, ArgumentParser's own messages too", arguments: [
        ["run", "--bogus", "p.yml"], ["status", "--limit", "many"], ["run"], ["run", "p.yml", "--concurrency", "0"],
    ])
    func oneErrorPrefix(_ arguments: [String]) async throws {
        let r = try await runOrch(arguments)
        #expect(r.status == 2, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "), "\(arguments): \(r.stderr)")
        #expect(!r.stderr.contains("Error:") && !r.stderr.contains("orch: "), "\(arguments): \(r.stderr)")
    }

    @Test("orch report of a succeeded run offers no retry (which would refuse); of a failed run it does")
    func reportOffersRetryOnlyWhenRetryable() async throws {
        try await CLIScratch.with { scratch in
            let path = try scratch.pipeline("name: odd\ntasks:\n  - { id: a, kind: command, command: \"echo ok\" }\n")
            let run = try await scratch.orch(["run", path])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let id = try #require(scratch.runIDs("odd").last)
            let report = try await scratch.orch(["report", id])
            #expect(report.status == 0, "\(report.stderr)")
            #expect(!report.stdout.contains("orch retry"), "\(report.stdout)")
            #expect(report.stdout.contains("nothing to resume"), "\(report.stdout)")
            #expect(try await scratch.orch(["retry", id]).status == 2, "retry does refuse it")
        }
    }

    static func attempt(_ n: Int, _ status: AttemptStatus, at start: Date, seconds: Double, error: String? = nil) -> StoredAttempt {
        StoredAttempt(attempt: n, status: status, startedAt: start, finishedAt: start.addingTimeInterval(seconds),
                      durationMs: Int(seconds * 1000), errorClass: error == nil ? nil : .exitCode, error: error, exitCode: nil,
                      logPath: "/nonexistent/attempt-\(n).log", logTail: nil, processGroup: nil, processStamp: nil)
    }

    static func detail(_ tasks: [StoredTaskRun], startedAt: Date, finishedAt: Date?) -> StoredRunDetail {
        StoredRunDetail(run: StoredRun(id: "20261202-101010-abcdef", pipeline: "p", pipelineFile: "p.yml", trigger: "manual",
                                       logicalTime: startedAt, params: [:], specHash: "x", status: .succeeded, message: nil, host: nil,
                                       pid: nil, runDirectory: nil, startedAt: startedAt, finishedAt: finishedAt, taskCounts: [:]),
                        tasks: tasks)
    }

    @Test("orch status RUN: attempt rows line up under their task's columns")
    func attemptRowsAligned() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let task = StoredTaskRun(taskID: "check", position: 0, state: .succeeded, message: nil, attemptCount: 2, startedAt: t0,
                                 finishedAt: t0.addingTimeInterval(3),
                                 attempts: [Self.attempt(1, .failed, at: t0, seconds: 1, error: "exit 1"), Self.attempt(2, .succeeded, at: t0.addingTimeInterval(2), seconds: 1)])
        let text = StatusView.detail(Self.detail([task], startedAt: t0, finishedAt: t0.addingTimeInterval(3)), terminal: Terminal(color: false))
        let lines = text.split(separator: "\n").map(String.init)
        let header = try! #require(lines.first { $0.hasPrefix("TASK") })
        let stateColumn = header.distance(from: header.startIndex, to: header.range(of: "STATE")!.lowerBound)
        let attemptRows = lines.filter { $0.contains("#1") || $0.contains("#2") }
        #expect(attemptRows.count == 2, "\(text)")
        for row in attemptRows {
            #expect(row.hasPrefix("  #"), "indented under its task: \(row)")
            let status = row.range(of: row.contains("#1") ? "failed" : "succeeded")!.lowerBound
            #expect(row.distance(from: row.startIndex, to: status) == stateColumn, "in the STATE column: \n\(text)")
        }
    }

    @Test("an unreachable ORCH_DATABASE_URL fails in seconds, naming its host (no password), never suggesting orch db start")
    func unreachableDatabaseFailsFast() async throws {
        try await withTemporaryDirectory { dir in
            let started = ContinuousClock.now
            let r = try await runOrch(["status"], environment: ["ORCH_HOME": dir, "ORCH_DATABASE_URL": "postgres://orch:s3cret@127.0.0.1:1/orch"],
                                      directory: dir)
            let took = ContinuousClock.now - started
            #expect(r.status == 3, "\(r.stderr)")
            #expect(took < .seconds(10), "failed fast: \(took)")
            #expect(r.stderr.hasPrefix("error: cannot reach the orch database at 127.0.0.1:1"), "\(r.stderr)")
            #expect(r.stderr.contains("connection refused"), "\(r.stderr)")
            #expect(r.stderr.contains("ORCH_DATABASE_URL"), "\(r.stderr)")
            #expect(!r.stderr.contains("s3cret") && !r.stderr.contains("db start"), "\(r.stderr)")
        }
    }

    /// Seconds from orch's duration text (`850ms`, `1.2s`, `1m54s`).
    static func seconds(_ text: String) -> Double? {
        if text.hasSuffix("ms") { return Double(text.dropLast(2)).map { $0 / 1000 } }
        if let m = text.firstIndex(of: "m"), text.hasSuffix("s") {
            return Double(text[..<m]).flatMap { min in Double(text[text.index(after: m)...].dropLast()).map { min * 60 + $0 } }
        }
        return text.hasSuffix("s") ? Double(text.dropLast()) : nil
    }

    @Test("after orch retry, durations are the work's, not first start to last end across the wait before the retry")
    func durationsAfterRetry() async throws {
        try await CLIScratch.with { scratch in
            let dir = scratch.dir
            let path = try scratch.pipeline("""
            name: odd
            tasks:
              - { id: first, kind: command, command: "sleep 0.3" }
              - { id: slow, kind: command, command: "sleep 0.3; test -f \(dir)/flag", after: [first] }
            """)
            #expect(try await scratch.orch(["run", path]).status == 1)
            let id = try #require(scratch.runIDs("odd").last)
            try await Task.sleep(for: .seconds(4))  // the gap before the retry, which is no work
            try "".write(toFile: "\(dir)/flag", atomically: true, encoding: .utf8)
            let retry = try await scratch.orch(["retry", id])
            #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
            let live = try #require(retry.stdout.split(separator: "\n").last { $0.contains(" in ") && $0.contains(id) })
            let liveSeconds = try #require(Self.seconds(String(live.split(separator: " in ")[1].split(separator: ":")[0])))
            #expect(liveSeconds < 3, "the retry's own time: \(live)")

            let status = try await scratch.orch(["status", id])
            let runLine = try #require(status.stdout.split(separator: "\n").first { $0.contains("duration ") })
            let runSeconds = try #require(Self.seconds(String(runLine.split(separator: "duration ")[1])))
            #expect(runSeconds > 0.5 && runSeconds < 3.5, "both sessions' work, not the 4 s gap: \(runLine)")
            let slowLine = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("slow ") })
            let slowSeconds = try #require(slowLine.split(separator: " ").compactMap { Self.seconds(String($0)) }.first)
            #expect(slowSeconds > 0.5 && slowSeconds < 2, "two attempts of ~0.3 s: \(slowLine)")
        }
    }

    @Test("a failed command's summary and orch report show the last lines it wrote (why), not only the command line; piped, every line has [n/total]")
    func failureSaysWhy() async throws {
        try await CLIScratch.with { scratch in
            let path = try scratch.pipeline("""
            name: odd
            tasks:
              - { id: ok, kind: command, command: "echo fine" }
              - { id: deploy, kind: command, command: "echo reading config; echo 'fatal: config missing' >&2; exit 1", after: [ok] }
              - { id: after_deploy, kind: command, command: "echo never", after: [deploy] }
            """)
            let run = try await scratch.orch(["run", path])
            #expect(run.status == 1)
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.allSatisfy { $0.range(of: #"^\[[0-3]/3\] "#, options: .regularExpression) != nil }, "\(run.stdout)")
            #expect(lines.allSatisfy { $0.count <= 200 })
            #expect(lines.contains { $0.hasPrefix("[3/3] run ") && $0.contains("failed in") && $0.contains("1 succeeded, 1 failed, 1 upstream_failed") },
                    "one summary line: \(run.stdout)")
            #expect(lines.contains { $0.hasSuffix("│ fatal: config missing") }, "why, in the summary: \(run.stdout)")
            #expect(!lines.contains { $0.contains("TASK") && $0.contains("ATTEMPTS") }, "no table without --verbose")
            let id = try #require(scratch.runIDs("odd").last)
            let report = try await scratch.orch(["report", id])
            #expect(report.stdout.contains("> fatal: config missing"), "why, in the report: \(report.stdout)")
            let verbose = try await scratch.orch(["run", path, "--verbose"])
            #expect(verbose.stdout.contains("TASK") && verbose.stdout.contains("ATTEMPTS"), "\(verbose.stdout)")
        }
    }
}
