import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The one way orch starts another program (a `command` task, the embedded
/// cluster's `initdb`/`pg_ctl`): swift-subprocess underneath, with the two
/// ways orch wants the output (captured as text, or appended to an open log)
/// and, for work that may outlive a stop, a session of its own whose whole
/// process group gets SIGTERM, then SIGKILL.
public struct ChildProcess: Sendable {
    /// How the program ended.
    public enum Status: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)

        public var succeeded: Bool { self == .exited(0) }
    }

    public struct Result: Sendable {
        public var status: Status
        /// Standard output, a newline, then standard error, the whole trimmed; empty when the output went to a file.
        public var output: String
        /// The process id (with `killGrace`, also its process group id), when it was reported.
        public var processID: Int32?
    }

    /// A path (contains `/`) or a name looked up in `PATH`.
    public var executable: String
    public var arguments: [String]
    /// Added to (or, with nil, removed from) the inherited environment.
    public var environment: [String: String?] = [:]
    public var workingDirectory: String?
    /// When set: a session and process group of its own, and on a stop
    /// SIGTERM to the group, SIGKILL `killGrace` later.
    public var killGrace: Duration?

    public init(_ executable: String, _ arguments: [String] = []) {
        self.executable = executable
        self.arguments = arguments
    }

    private var platformOptions: PlatformOptions {
        var platform = PlatformOptions()
        guard let killGrace else { return platform }
        platform.createSession = true
        platform.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: killGrace),
            .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1)),
        ]
        return platform
    }

    /// What to start and the environment to start it in.
    private var spawnTarget: (Executable, Environment) {
        if executable.contains("/") { return (.path(FilePath(executable)), environmentRows) }
        // Looked up here: swift-subprocess tries each PATH folder in a child of its own (a fork per
        // folder: 8 for `true` on Debian's PATH, most of a command task's cost). Not found: its own error,
        // in an environment it reads PATH from as a string (it would keep a row's final NUL).
        let path = environment["PATH"].map { $0 ?? "" } ?? getenv("PATH").map { String(cString: $0) } ?? ""
        guard let found = Self.lookUp(executable, in: path) else { return (.name(executable), Self.inherited(updating: environment)) }
        return (.path(FilePath(found)), environmentRows)
    }

    /// The first `folder/name` on `path` (colon-separated) that is an executable file, as `execvp` would
    /// find it; nil when not found, or when a relative folder comes first (the child's own folder decides).
    static func lookUp(_ name: String, in path: String) -> String? {
        for folder in path.split(separator: ":", omittingEmptySubsequences: false) {
            guard folder.hasPrefix("/") else { return nil }
            let candidate = String(folder) + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// This process's environment with `environment` applied, as the
    /// `NAME=value` rows the child gets. Built from `environ` at each start
    /// (so a `setenv` before it counts): `.inherit` had swift-subprocess copy
    /// the whole environment into a dictionary twice per start (a tenth of a
    /// `command` task's CPU). An inherited row that cannot be passed on (no
    /// `=`, a name starting with a digit) is left out, as a dictionary would
    /// have; a name given here that is not a name is swift-subprocess' error.
    private var environmentRows: Environment {
        var rows: [[UInt8]] = []
        var replaced = Set<[UInt8]>()
        for (key, value) in environment {
            guard Self.isName(Array(key.utf8)) else { return Self.inherited(updating: environment) }
            replaced.insert(Array(key.utf8))
            if let value { rows.append(Array("\(key)=\(value)\0".utf8)) }
        }
        var entry = environ
        while let row = entry.pointee {
            let bytes = UnsafeRawBufferPointer(start: row, count: strlen(row))
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")), case let key = Array(bytes[..<equals]), Self.isName(key),
               !replaced.contains(key) {
                rows.append(Array(bytes) + [0])
            }
            entry += 1
        }
        return .custom(rows)
    }

    /// What swift-subprocess accepts as a variable's name.
    private static func isName(_ key: [UInt8]) -> Bool {
        guard let first = key.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return !key.contains(UInt8(ascii: "=")) && !key.contains(0)
    }

    /// `.inherit` with `updates`: swift-subprocess reads the environment itself (and checks the names).
    private static func inherited(updating updates: [String: String?]) -> Environment {
        var keyed: [Environment.Key: String?] = [:]
        for (key, value) in updates { keyed[Environment.Key(stringLiteral: key)] = value }
        return .inherit.updating(keyed)
    }

    /// Runs to the end and returns its status with its output as text
    /// (each stream kept up to `limit` bytes).
    public func runCapturingOutput(limit: Int = 1 << 20) async throws -> Result {
        let (executable, environment) = spawnTarget
        let result = try await Subprocess.run(executable, arguments: Arguments(arguments), environment: environment,
                                              workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: platformOptions,
                                              output: .string(limit: limit), error: .string(limit: limit))
        let output = [result.standardOutput, result.standardError].joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Result(status: Self.status(result.terminationStatus), output: output)
    }

    /// Runs to the end with standard output and error appended to `descriptor`
    /// (closed once the program has started, or if it cannot start).
    /// - Parameter started: called with the process id once it runs (with
    ///   `killGrace`, also its process group id), e.g. to register it for a hard stop.
    public func run(appendingOutputTo descriptor: Int32, started: @Sendable (Int32) -> Void = { _ in }) async throws -> Result {
        let (executable, environment) = spawnTarget
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), environment: environment,
            workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: platformOptions, input: .none,
            output: .fileDescriptor(FileDescriptor(rawValue: descriptor), closeAfterSpawningProcess: true),
            error: .combinedWithOutput
        ) { execution in
            let id = execution.processIdentifier.value
            started(id)
            return id
        }
        return Result(status: Self.status(result.terminationStatus), output: "", processID: result.closureResult)
    }

    static func status(_ status: TerminationStatus) -> Status {
        switch status {
        case let .exited(code): .exited(code)
        case let .signaled(signal): .signaled(signal)
        }
    }
}
