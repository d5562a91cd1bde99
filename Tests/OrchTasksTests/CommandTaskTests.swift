import Foundation
import Testing
import OrchExecution
import OrchSpec
import OrchTestSupport
import OrchWarehouse
@testable import OrchTasks

/// Builds a task of `kind` from YAML task fields, as the loader does.
func makeBody(_ yaml: String, directory: String = "/tmp", warehouse: OrchWarehouse.Warehouse? = nil) throws -> any TaskBody {
    let spec = try PipelineParser.parse("name: t\ntasks:\n  - id: t\n" + yaml.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n",
                                        file: "\(directory)/t.yml")
    return try KindRegistry.body(for: spec.tasks[0], environment: KindEnvironment(pipelineDirectory: directory, warehouse: warehouse))
}

func context(_ dir: String, attempt: Int = 1, timeout: Duration? = nil) throws -> TaskContext {
    let log = try AttemptLog(path: "\(dir)/t/attempt-\(attempt).log")
    return TaskContext(runID: "run1", pipeline: "t", taskID: "t", attempt: attempt, maxAttempts: 3, logicalTime: Date(),
                       runFolder: RunDirectory(dir), log: log, timeout: timeout)
}

import OrchStore

@Suite("command task kind")
struct CommandTaskTests {
    @Test("stdout and stderr go to the attempt log; env and working dir apply")
    func output() async throws {
        try await withTemporaryDirectory { dir in
            let body = try makeBody("""
            kind: command
            command: 'echo out; echo err >&2; echo "v=$GREETING"; pwd; echo "run=$ORCH_RUN_ID"'
            env: { GREETING: hi }
            working_dir: sub
            """, directory: dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/sub", withIntermediateDirectories: true)
            let ctx = try context(dir)
            _ = try await body.run(ctx)
            // Nothing on disk yet: the output is held until the log is closed (or outgrows a tail).
            #expect(!ctx.log.isOnDisk)
            let log = ctx.log.tail()
            #expect(log.contains("out\n"))
            #expect(log.contains("err\n"))
            #expect(log.contains("v=hi"))
            #expect(log.contains("\(dir)/sub"))
            #expect(log.contains("run=run1"))
        }
    }

    @Test("argv form runs the program directly")
    func argv() async throws {
        try await withTemporaryDirectory { dir in
            let body = try makeBody("kind: command\ncommand: [printf, '%s-%s', 'a b', c]", directory: dir)
            let ctx = try context(dir)
            _ = try await body.run(ctx)
            #expect(ctx.log.tail().contains("a b-c"))
        }
    }

    @Test("output comes through orch: none means no file; more than a tail is all on disk, in order")
    func relayedOutput() async throws {
        try await withTemporaryDirectory { dir in
            let quiet = try context(dir)
            _ = try await makeBody("kind: command\ncommand: \"true\"", directory: dir).run(quiet)
            quiet.log.close(unlessTailHolds: 40)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/t"), "a quiet success makes no folder and no file")

            // 200,000 numbered lines, stdout and stderr: far more than the pipe and the tail hold.
            let loud = try context(dir, attempt: 2)
            _ = try await makeBody("kind: command\ncommand: 'seq 1 100000; seq 100001 200000 >&2'", directory: dir).run(loud)
            loud.log.close()
            let lines = try String(contentsOfFile: loud.log.path, encoding: .utf8).split(separator: "\n")
            #expect(lines == (1...200_000).map { Substring(String($0)) }, "every line once, in order (\(lines.count) lines)")
        }
    }

    @Test("a process the command leaves in the background does not hold the task; what the command wrote is kept")
    func backgroundWriterDoesNotHold() async throws {
        try await withTemporaryDirectory { dir in
            let ctx = try context(dir)
            let started = ContinuousClock.now
            // The background sleep holds the pipe open for 30 s; the task ends with the shell.
            _ = try await makeBody("kind: command\ncommand: 'sleep 30 & echo $! > bg.pid; echo done'", directory: dir).run(ctx)
            #expect(ContinuousClock.now - started < .seconds(20), "waited for the background process")
            #expect(ctx.log.tail().contains("done"))
            if let pid = (try? String(contentsOfFile: "\(dir)/bg.pid", encoding: .utf8)).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                kill(pid, SIGKILL)
            }
        }
    }

    @Test("a background process that never stops writing does not hold the task, and is not killed by it ending")
    func backgroundFloodDoesNotHold() async throws {
        try await withTemporaryDirectory { dir in
            let ctx = try context(dir)
            let started = ContinuousClock.now
            _ = try await makeBody("kind: command\ncommand: '(while :; do echo spam; done) & echo $! > bg.pid; sleep 0.2; echo done'",
                                   directory: dir).run(ctx)
            #expect(ContinuousClock.now - started < .seconds(20), "the flood held the task")
            let pid = try #require((try? String(contentsOfFile: "\(dir)/bg.pid", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
            // Its writes after the task are read and dropped: it goes on (no SIGPIPE), until it is stopped.
            try await Task.sleep(for: .milliseconds(500))
            #expect(!ProcessProbe.isGone(pid), "the process left behind was killed when the task ended")
            kill(pid, SIGKILL)
            #expect(try await ProcessProbe.waitUntilGone(pid))
            ctx.log.close()
            #expect(ctx.log.tail(lines: 1000).contains("spam"))
        }
    }

    @Test("a non-zero exit is a failure with its code; retry_exit_codes limits what is retryable")
    func exitCodes() async throws {
        try await withTemporaryDirectory { dir in
            let any = try makeBody("kind: command\ncommand: exit 3", directory: dir)
            await #expect(throws: TaskFailure(.exitCode, "`exit 3` exited with code 3", retryable: true, exitCode: 3)) {
                try await any.run(try context(dir))
            }
            let only75 = try makeBody("kind: command\ncommand: exit 3\nretry_exit_codes: [75]", directory: dir)
            do {
                _ = try await only75.run(try context(dir))
                Issue.record("expected failure")
            } catch let f as TaskFailure {
                #expect(f.exitCode == 3)
                #expect(!f.retryable)
            }
        }
    }

    @Test("a missing program fails without retry")
    func missingProgram() async throws {
        try await withTemporaryDirectory { dir in
            let body = try makeBody("kind: command\ncommand: [/no/such/program]", directory: dir)
            do {
                _ = try await body.run(try context(dir))
                Issue.record("expected failure")
            } catch let f as TaskFailure {
                #expect(f.errorClass == .spawn)
                #expect(!f.retryable)
            }
        }
    }

    @Test("cancelling kills the whole process group, grandchildren included")
    func cancellationKillsGroup() async throws {
        try await withTemporaryDirectory { dir in
            let pidFile = "\(dir)/pid"
            let body = try makeBody("kind: command\ncommand: 'sleep 60 & echo $! > \(pidFile); wait'\nkill_grace: 1s", directory: dir)
            let ctx = try context(dir)
            let task = Task { try await body.run(ctx) }
            var grandchild: Int32?
            for _ in 0..<100 where grandchild == nil {
                try await Task.sleep(for: .milliseconds(20))
                grandchild = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
                    Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            let pid = try #require(grandchild)
            #expect(kill(pid, 0) == 0, "the grandchild runs")
            task.cancel()
            _ = await task.result
            #expect(try await ProcessProbe.waitUntilGone(pid), "sleep 60 (pid \(pid)) was killed with its group")
        }
    }

    @Test("bad fields are reported with their place", arguments: [
        ("kind: command", "missing `command`"),
        ("kind: command\ncommand: {a: 1}", "shell line or a list"),
        ("kind: command\ncommand: ls\nretry_exit_codes: 3", "must be a list"),
        ("kind: command\ncommand: ls\ncomand: ls", "did you mean `command`?"),
        ("kind: command\ncommand: ls\nretires: 2", "did you mean `retries`?"),
        ("kind: comand\ncommand: ls", "did you mean `command`?"),
    ])
    func badFields(yaml: String, fragment: String) throws {
        do {
            _ = try makeBody(yaml)
            Issue.record("expected an error")
        } catch let e as SpecError {
            #expect(e.description.contains(fragment), "\(e.description)")
            #expect(e.diagnostics.allSatisfy { $0.location != nil })
        }
    }
}
