import Foundation
import OrchSpec
import Subprocess
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster under orch's home, on a Unix socket, started
/// on demand with the machine's `initdb`/`pg_ctl`. Postgres refuses to run as
/// root, so as root the cluster belongs to an unprivileged user (`postgres`
/// when it exists, else `nobody`).
public struct EmbeddedPostgres: Sendable {
    public struct Configuration: Sendable {
        /// `ORCH_HOME`; the cluster lives in `<home>/postgres`.
        public var home: String
        /// Off only for throwaway clusters (tests): skips fsync for speed.
        public var durable = true
        public init(home: String) { self.home = home }
    }

    public let configuration: Configuration
    public let directory: String
    public var dataDirectory: String { directory + "/data" }
    public var logFile: String { directory + "/server.log" }
    public static let port = 5432

    public init(configuration: Configuration) {
        self.configuration = configuration
        let home = URL(fileURLWithPath: configuration.home).standardizedFileURL.path
        self.directory = home + "/postgres"
    }

    /// Where the socket goes: inside the cluster folder when the path is short
    /// enough for a Unix socket (107 bytes), else a folder under /tmp.
    public var socketDirectory: String {
        let inside = directory + "/socket"
        if inside.utf8.count + ".s.PGSQL.5432".utf8.count + 1 < 100 { return inside }
        return "/tmp/orch-pg-" + String(StableHash.hex(directory).prefix(12))
    }

    public var url: DatabaseURL {
        DatabaseURL(user: "postgres", database: "postgres", host: socketDirectory, port: Self.port)
    }

    /// Initialises the cluster the first time, starts it if it is not running,
    /// and returns its URL. Safe to call from several processes at once.
    public func start() async throws -> DatabaseURL {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try await withFileLock(directory + "/.orch.lock") {
            let bin = try Self.findBinaries()
            let owner = try ServerOwner.current()
            try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
            if let owner = owner {
                try await run("/bin/chown", ["-R", "\(owner.name):", directory, socketDirectory], as: nil)
                let reachable = try await run("/usr/bin/test", ["-w", directory, "-a", "-w", socketDirectory],
                                              as: owner, check: false)
                guard reachable.ok else {
                    throw StoreError.embedded("""
                    orch runs as root, so its PostgreSQL runs as the user `\(owner.name)`, who cannot reach \(directory).
                      Put ORCH_HOME in a folder every user can traverse (e.g. ORCH_HOME=/var/lib/orch), \
                    or set ORCH_DATABASE_URL to a server you run yourself.
                    """)
                }
            }
            if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
                if let contents = try? FileManager.default.contentsOfDirectory(atPath: dataDirectory), !contents.isEmpty {
                    throw StoreError.embedded("\(dataDirectory) exists but is not a PostgreSQL cluster; move it away and run again")
                }
                let r = try await run(bin + "/initdb", ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                                        "--locale=C.UTF-8", "-N"], as: owner, check: false)
                guard r.ok else { throw StoreError.embedded("initdb failed:\n\(r.output)") }
            }
            let status = try await run(bin + "/pg_ctl", ["status", "-D", dataDirectory], as: owner, check: false)
            if !status.ok {
                var options = "-c listen_addresses='' -k \(socketDirectory) -p \(Self.port) -c max_connections=100"
                if !configuration.durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
                let r = try await run(bin + "/pg_ctl", ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", options],
                                      as: owner, check: false)
                guard r.ok else {
                    let tail = (try? String(contentsOfFile: logFile, encoding: .utf8))?.split(separator: "\n").suffix(10)
                        .joined(separator: "\n") ?? ""
                    throw StoreError.embedded("pg_ctl start failed:\n\(r.output)\nserver log (\(logFile)):\n\(tail)")
                }
            }
            return url
        }
    }

    /// Whether the cluster's server is up.
    public func isRunning() async throws -> Bool {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else { return false }
        let bin = try Self.findBinaries()
        return try await run(bin + "/pg_ctl", ["status", "-D", dataDirectory], as: ServerOwner.current(), check: false).ok
    }

    /// Stops the server if it runs (fast shutdown: open transactions roll back).
    public func stop() async throws {
        guard try await isRunning() else { return }
        let bin = try Self.findBinaries()
        let r = try await run(bin + "/pg_ctl", ["stop", "-D", dataDirectory, "-m", "fast", "-w"], as: ServerOwner.current(), check: false)
        guard r.ok else { throw StoreError.embedded("pg_ctl stop failed:\n\(r.output)") }
    }

    /// The folder holding `pg_ctl` and `initdb`: on PATH, else the newest
    /// `/usr/lib/postgresql/*/bin`.
    static func findBinaries() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) {
            if FileManager.default.isExecutableFile(atPath: dir + "/pg_ctl"),
               FileManager.default.isExecutableFile(atPath: dir + "/initdb") {
                return dir
            }
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { v in Int(v).map { ($0, v) } }.sorted { $0.0 > $1.0 }
        for (_, v) in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/pg_ctl") {
            return "\(root)/\(v)/bin"
        }
        throw StoreError.embedded("""
        no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql.
          Install them (Debian: apt-get install -y postgresql) or set ORCH_DATABASE_URL to an existing server.
        """)
    }

    private struct Outcome {
        var ok: Bool
        var output: String
    }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String], as owner: ServerOwner?, check: Bool = true) async throws -> Outcome {
        var exe = executable
        var args = arguments
        if let owner {
            exe = "/usr/sbin/runuser"
            args = ["-u", owner.name, "--", executable] + arguments
        }
        let result = try await Subprocess.run(.path(.init(exe)), arguments: .init(args),
                                              output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let output = [result.standardOutput, result.standardError].joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let ok: Bool
        if case .exited(0) = result.terminationStatus { ok = true } else { ok = false }
        if check && !ok { throw StoreError.embedded("\(executable) \(arguments.joined(separator: " ")) failed:\n\(output)") }
        return Outcome(ok: ok, output: output)
    }

    /// Holds an exclusive `flock` on `path` while `body` runs, so two orch
    /// processes do not initialise or start the same cluster at once.
    private func withFileLock<T>(_ path: String, _ body: () async throws -> T) async throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.embedded("cannot open lock file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.embedded("cannot lock \(path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }
}

/// The unprivileged user that owns the cluster when orch runs as root.
struct ServerOwner: Sendable {
    var name: String

    static func current() throws -> ServerOwner? {
        guard geteuid() == 0 else { return nil }
        for name in ["postgres", "nobody"] where getpwnam(name) != nil {
            return ServerOwner(name: name)
        }
        throw StoreError.embedded("running as root and no unprivileged user (postgres or nobody) exists to run PostgreSQL")
    }
}
