import Foundation

/// The `orch` executable built beside the test bundle, for end-to-end tests.
public enum OrchBinary {
    public static var path: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The bundle may sit inside `orchPackageTests.xctest/` on some layouts.
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("orch").path
    }
}

/// A temp folder removed at the end of the closure.
public func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async rethrows -> T {
    let path = "/tmp/orch-t-" + UUID().uuidString.prefix(8).lowercased()
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Result of running a program.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `orch` with `arguments` and extra environment; waits for it without
/// blocking a thread of the cooperative pool (in-process test servers need them).
public func runOrch(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) async throws -> ProcessResult {
    let process = try startOrch(arguments, environment: environment, directory: directory)
    return await process.wait()
}

/// A started `orch` process whose output is collected into files.
public final class RunningProcess: @unchecked Sendable {
    let process: Process
    let out: String
    let err: String
    let exited: Task<Void, Never>

    init(process: Process, out: String, err: String, exited: Task<Void, Never>) {
        self.process = process
        self.out = out
        self.err = err
        self.exited = exited
    }

    public var pid: Int32 { process.processIdentifier }

    public func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

    /// What it has written to stdout so far, while it runs.
    public var outputSoFar: String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }

    /// What it has written to stderr so far, while it runs (a server's address line, say).
    public var errorsSoFar: String { (try? String(contentsOfFile: err, encoding: .utf8)) ?? "" }

    /// False once it exited (its pid may then belong to someone else: signal it no more).
    public var isRunning: Bool { process.isRunning }

    /// Waits for the process to exit, suspending rather than blocking. If the
    /// waiting task is cancelled (a test's time limit), the process is killed,
    /// so a hung `orch` can never hang the test run.
    public func wait() async -> ProcessResult {
        let pid = process.processIdentifier
        await withTaskCancellationHandler {
            await exited.value
        } onCancel: {
            kill(pid, SIGKILL)
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
        return ProcessResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

public func startOrch(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> RunningProcess {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: OrchBinary.path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let id = UUID().uuidString.prefix(8)
    let out = "/tmp/orch-out-\(id)", err = "/tmp/orch-err-\(id)"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle(forWritingAtPath: err)
    let (ends, ended) = AsyncStream.makeStream(of: Void.self)
    process.terminationHandler = { _ in
        ended.yield()
        ended.finish()
    }
    try process.run()
    let exited = Task { for await _ in ends { break } }
    return RunningProcess(process: process, out: out, err: err, exited: exited)
}

/// Runs `body`, then stops the embedded cluster under `home`, whether
/// `body` threw or not (a `defer` cannot wait without blocking a pool thread).
public func stoppingEmbedded<T>(home: String, _ body: () async throws -> T) async throws -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        await stopEmbedded(home: home)
        throw error
    }
    await stopEmbedded(home: home)
    return result
}

/// Stops the embedded cluster under `home` (`orch db stop`).
public func stopEmbedded(home: String) async {
    _ = try? await runOrch(["db", "stop"], environment: ["ORCH_HOME": home, "ORCH_DATABASE_URL": ""])
}
