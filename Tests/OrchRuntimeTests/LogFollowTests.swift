import Foundation
import Testing
import OrchPostgres
import OrchTestSupport

/// `orch logs latest TASK -f` from a second shell while the run goes on.
@Suite("orch logs -f", .timeLimit(.minutes(2)))
struct LogFollowTests {
    @Test("follows the running attempt as it writes, moves to the retry's attempt, and exits when the task ends")
    func follow() async throws {
        try await CLIScratch.with { scratch in
            let dir = scratch.dir
            let flag = "\(dir)/go"
            // Attempt 1 writes a line, waits for the test, then fails; attempt 2 succeeds.
            let path = try scratch.pipeline("""
            name: follow
            tasks:
              - id: slow
                kind: command
                retries: 1
                retry_delay: 200ms
                command: 'echo "hello from $ORCH_ATTEMPT"; if [ "$ORCH_ATTEMPT" = 1 ]; then while [ ! -f \(flag) ]; do sleep 0.05; done; echo bye; exit 1; fi; echo done'
            """)
            let run = try scratch.start(["run", path])
            let log = "\(dir)/home/follow"
            #expect(try await Ownership.eventually(seconds: 20) {
                let runs = (try? FileManager.default.contentsOfDirectory(atPath: log)) ?? []
                return runs.contains { FileManager.default.fileExists(atPath: "\(log)/\($0)/slow/attempt-1.log") }
            }, "the run started")
            let follower = try scratch.start(["logs", "latest", "slow", "-f"])
            #expect(try await Ownership.eventually(seconds: 20) { follower.outputSoFar.contains("hello from 1") },
                    "a line of the running attempt arrives while it runs: \(follower.outputSoFar)")
            #expect(follower.isRunning, "still following: the task has not ended")
            try "".write(toFile: flag, atomically: true, encoding: .utf8)
            let followed = await follower.wait()
            let ran = await run.wait()
            #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
            #expect(followed.status == 0, "\(followed.stderr)")
            for line in ["==> slow attempt 1", "hello from 1", "bye", "==> slow attempt 2", "hello from 2", "done"] {
                #expect(followed.stdout.contains(line), "\(line): \(followed.stdout)")
            }
        }
    }

    @Test("latest with no runs, and a task the run does not have, are the user's to fix: exit 2; a finished run's log, then the end")
    func badArguments() async throws {
        try await CLIScratch.with { scratch in
            let none = try await scratch.orch(["logs", "latest", "-f"])
            #expect(none.status == 2 && none.stderr.contains("no runs yet"), "\(none.stderr)")
            let path = try scratch.pipeline("name: one\ntasks:\n  - { id: load, kind: command, command: \"echo hi\" }\n")
            #expect(try await scratch.orch(["run", path]).status == 0)
            let typo = try await scratch.orch(["logs", "latest", "lod", "-f"])
            #expect(typo.status == 2 && typo.stderr.contains("Did you mean `load`?"), "\(typo.stderr)")
            let done = try await scratch.orch(["logs", "latest", "load", "-f"])
            #expect(done.status == 0 && done.stdout.contains("hi"), "a finished task: its log, then the end: \(done.stdout)\(done.stderr)")
            let whole = try await scratch.orch(["logs", "latest", "-f"])
            #expect(whole.status == 0 && whole.stdout.contains("load | hi"), "without a task: every task's lines, prefixed: \(whole.stdout)")
        }
    }
}
