import Foundation
import Synchronization
import Testing
import OrchTestSupport
@testable import OrchProcess

@Suite("the one subprocess runner", .timeLimit(.minutes(1)))
struct ChildProcessTests {
    @Test("captures standard output and error, trimmed, with the exit status")
    func captured() async throws {
        let result = try await ChildProcess("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]).runCapturingOutput()
        #expect(result.status == .exited(3))
        #expect(!result.status.succeeded)
        // Each stream as printed (its own final newline kept), one newline between them, the whole trimmed.
        #expect(result.output == "out\n\nerr")
    }

    @Test("environment updates and the working directory reach the program; names are looked up in PATH")
    func environment() async throws {
        var process = ChildProcess("sh", ["-c", "echo \"$ORCH_T\" $(pwd)"])
        process.environment = ["ORCH_T": "hello"]
        process.workingDirectory = "/tmp"
        let result = try await process.runCapturingOutput()
        #expect(result.status.succeeded)
        #expect(result.output == "hello /tmp")
    }

    @Test("the child gets orch's whole environment, less what is removed, with what is replaced given once")
    func inheritedEnvironment() async throws {
        let own = ProcessInfo.processInfo.environment
        var process = ChildProcess("/usr/bin/env")
        process.environment = ["HOME": nil, "PATH": "/usr/bin:/bin", "ORCH_T": "a=b"]
        let result = try await process.runCapturingOutput()
        #expect(result.status.succeeded)
        let rows = result.output.split(separator: "\n").map(String.init)
        var expected = own.filter { $0.key != "HOME" && $0.key != "PATH" }.map { "\($0.key)=\($0.value)" }
        expected += ["PATH=/usr/bin:/bin", "ORCH_T=a=b"]
        // A value with line breaks (an exported shell function) prints as several rows.
        let expectedRows = expected.flatMap { $0.split(separator: "\n").map(String.init) }
        #expect(Set(rows) == Set(expectedRows))
        #expect(rows.count(where: { $0.hasPrefix("PATH=") }) == 1)
    }

    @Test("a variable name that is not one (a digit first, an `=` in it) is refused, never passed on as another name")
    func badNames() async throws {
        for name in ["1BAD", "A=B"] {
            var process = ChildProcess("/usr/bin/env")
            process.environment = [name: "x"]
            await #expect(throws: (any Error).self, "\(name)") { _ = try await process.runCapturingOutput() }
        }
    }

    @Test("a name is looked up in PATH as execvp would: the first executable file; folders, plain files, relative entries left out")
    func lookUp() async throws {
        let dir = NSTemporaryDirectory() + "orch-path-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for sub in ["a", "b", "c"] { try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(atPath: "\(dir)/a/tool", withIntermediateDirectories: true)  // a folder, not a program
        try "not executable".write(toFile: "\(dir)/b/tool", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho from c\n".write(toFile: "\(dir)/c/tool", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(dir)/c/tool")
        #expect(ChildProcess.lookUp("tool", in: "\(dir)/a:\(dir)/b:\(dir)/c") == "\(dir)/c/tool")
        #expect(ChildProcess.lookUp("tool", in: "\(dir)/a:\(dir)/b") == nil)
        #expect(ChildProcess.lookUp("tool", in: "relative:\(dir)/c") == nil, "a relative folder first: the child's folder decides")
        #expect(ChildProcess.lookUp("tool", in: "") == nil)
        // The task's own PATH is the one searched.
        var process = ChildProcess("tool")
        process.environment = ["PATH": "\(dir)/a:\(dir)/b:\(dir)/c:/usr/bin:/bin"]
        let result = try await process.runCapturingOutput()
        #expect(result.status.succeeded && result.output == "from c", "\(result.output)")
        // Not found anywhere: swift-subprocess' own error, as before.
        await #expect(throws: (any Error).self) { try await ChildProcess("orch-no-such-program-\(UUID().uuidString.prefix(6))").runCapturingOutput() }
    }

    @Test("appends both streams to an open file and reports the process (group) id")
    func appended() async throws {
        let path = NSTemporaryDirectory() + "orch-child-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "before\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        try #require(fd >= 0)
        let seen = Mutex<Int32?>(nil)
        var process = ChildProcess("/bin/sh", ["-c", "echo out; echo err >&2; echo $$"])
        process.killGrace = .seconds(1)
        let result = try await process.run(appendingOutputTo: fd) { id in seen.withLock { $0 = id } }
        #expect(result.status == .exited(0))
        let reported = seen.withLock { $0 }
        #expect(reported != nil && reported == result.processID)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.prefix(3) == ["before", "out", "err"])
        // Its own session: the shell's pid is the group id reported.
        #expect(lines.last == reported.map(String.init))
    }

    @Test("a program that cannot start throws")
    func missing() async {
        await #expect(throws: (any Error).self) { try await ChildProcess("/nonexistent/orch-test").runCapturingOutput() }
    }

    @Test("a stop tears down the whole process group")
    func teardown() async throws {
        let pidFile = NSTemporaryDirectory() + "orch-child-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let fd = open("/dev/null", O_WRONLY | O_CLOEXEC)
        var process = ChildProcess("/bin/sh", ["-c", "sleep 60 & echo $! > \(pidFile); wait"])
        process.killGrace = .milliseconds(200)
        let running = Task { try await process.run(appendingOutputTo: fd) }
        // Stopped once the grandchild runs (a loaded machine may take a while to get there).
        var grandchild: Int32?
        for _ in 0..<500 where grandchild == nil {
            try await Task.sleep(for: .milliseconds(20))
            grandchild = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let pid = try #require(grandchild)
        running.cancel()
        _ = try? await running.value
        #expect(try await ProcessProbe.waitUntilGone(pid), "sleep 60 (pid \(pid)) was killed with its group")
    }
}
