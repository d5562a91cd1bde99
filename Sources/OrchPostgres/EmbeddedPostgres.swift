import Foundation
import OrchProcess
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster under orch's home, on a Unix socket, started
/// on demand with the machine's `initdb`/`pg_ctl`. Postgres refuses to run as
/// root, so as root the cluster belongs to an unprivileged user (`postgres`
/// when it exists, else `nobody`).
///
/// The cluster trusts every connection that reaches its socket, so privacy
/// comes from the file system: the cluster folder and the socket folder are
/// 0700 and belong to the cluster's account (root gets in anyway), and there is
/// no TCP listener.
public struct EmbeddedPostgres: Sendable {
    public struct Configuration: Sendable {
        /// `ORCH_HOME`; the cluster lives in `<home>/postgres`.
        public var home: String
        /// Off only for throwaway clusters (tests): skips fsync for speed.
        public var durable = true
        /// The server's `max_connections`: plenty for one orch (each process pools at most 8).
        public var maxConnections = 100
        public init(home: String) { self.home = home }
    }

    public let configuration: Configuration
    public let directory: String
    public var dataDirectory: String { directory + "/data" }
    public var logFile: String { directory + "/server.log" }
    /// Records the socket folder when it lives under /tmp (its name is random).
    var socketRecord: String { directory + "/socket-directory" }
    public static let port = 5432

    public init(configuration: Configuration) {
        self.configuration = configuration
        let home = URL(fileURLWithPath: configuration.home).standardizedFileURL.path
        self.directory = home + "/postgres"
    }

    /// The socket folder inside the cluster folder, when the path is short
    /// enough for a Unix socket (107 bytes); nil means a folder under /tmp.
    var socketInside: String? {
        let inside = directory + "/socket"
        return inside.utf8.count + ".s.PGSQL.5432".utf8.count + 1 < 100 ? inside : nil
    }

    /// Initialises the cluster the first time, starts it if it is not running,
    /// and returns its URL. Safe to call from several processes at once.
    public func start() async throws -> DatabaseURL {
        let owner = try ServerOwner.current()
        let account = FolderOwner.cluster(owner)
        let home = (directory as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // Before the lock: the lock file lives in this folder, so it must be ours first.
        try PrivateFolder.ensure(directory, owner: account, what: "the cluster folder")
        return try await withFileLock(directory + "/.orch.lock") {
            let bin = try Self.findBinaries()
            let socket = try socketDirectory(owner: account)
            // Up already (what `pg_ctl status` checks, without two process spawns): most runs stop here.
            var running = Self.exists(dataDirectory + "/PG_VERSION") && Self.postmasterAlive(dataDirectory)
            if !running {
                if let owner = owner {
                    let reachable = try await run("/usr/bin/test", ["-w", directory, "-a", "-w", socket], as: owner, check: false)
                    guard reachable.ok else {
                        throw PostgresSetupError.embedded("""
                        orch runs as root, so its PostgreSQL runs as the user `\(owner.name)`, who cannot reach \(directory).
                          Put ORCH_HOME in a folder every user can traverse (e.g. ORCH_HOME=/var/lib/orch), \
                        or set ORCH_DATABASE_URL to a server you run yourself.
                        """)
                    }
                }
                if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
                    if let contents = try? FileManager.default.contentsOfDirectory(atPath: dataDirectory), !contents.isEmpty {
                        throw PostgresSetupError.embedded("\(dataDirectory) exists but is not a PostgreSQL cluster; move it away and run again")
                    }
                    let r = try await run(bin + "/initdb", ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                                            "--locale=C.UTF-8", "-N"], as: owner, check: false)
                    guard r.ok else { throw PostgresSetupError.embedded("initdb failed:\n\(r.output)") }
                }
                running = try await run(bin + "/pg_ctl", ["status", "-D", dataDirectory], as: owner, check: false).ok
            }
            if running && !Self.exists(socket + "/.s.PGSQL.\(Self.port)") {
                // Up, but listening in another folder (an older orch's predictable
                // /tmp one, or one a /tmp cleaner removed): restart it here.
                try await stop()
                running = false
            }
            if !running {
                var options = "-c listen_addresses='' -k \(socket) -p \(Self.port) -c max_connections=\(configuration.maxConnections)"
                // The socket file itself refuses other accounts too, whatever becomes of its folder.
                options += " -c unix_socket_permissions=0700"
                if !configuration.durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
                let r = try await run(bin + "/pg_ctl", ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", options],
                                      as: owner, check: false)
                guard r.ok else {
                    let tail = (try? String(contentsOfFile: logFile, encoding: .utf8))?.split(separator: "\n").suffix(10)
                        .joined(separator: "\n") ?? ""
                    throw PostgresSetupError.embedded("pg_ctl start failed:\n\(r.output)\nserver log (\(logFile)):\n\(tail)")
                }
            }
            return DatabaseURL(user: "postgres", database: "postgres", host: socket, port: Self.port)
        }
    }

    /// The socket folder, made private to `account`. Inside the cluster folder
    /// it is fixed up in place (nobody else can reach it there). Under /tmp its
    /// name is random (mkdtemp) and recorded in the cluster folder, so every orch
    /// process finds it; a recorded folder that is gone or no longer private is
    /// replaced, never adopted. Call with the lock held.
    private func socketDirectory(owner account: FolderOwner) throws -> String {
        if let inside = socketInside {
            try PrivateFolder.ensure(inside, owner: account, what: "the socket folder")
            return inside
        }
        let recorded = (try? String(contentsOfFile: socketRecord, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !recorded.isEmpty {
            switch PrivateFolder.state(of: recorded, owner: account) {
            case .privateToOwner: return recorded
            case .missing: break
            case .unsafe(let reason):
                FileHandle.standardError.write(Data("""
                orch: warning: the socket folder \(recorded) (recorded in \(socketRecord)) is not safe to use: \(reason). \
                Using a new one; check who changed it.\n
                """.utf8))
            }
        }
        let fresh = try PrivateFolder.makeTemporary(prefix: "/tmp/orch-pg-", owner: account)
        do {
            try Data((fresh + "\n").utf8).write(to: URL(fileURLWithPath: socketRecord), options: .atomic)
        } catch {
            throw PostgresSetupError.embedded("cannot record the socket folder in \(socketRecord): \(error)")
        }
        return fresh
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
        guard r.ok else { throw PostgresSetupError.embedded("pg_ctl stop failed:\n\(r.output)") }
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
        throw PostgresSetupError.embedded("""
        no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql.
          Install them (Debian: apt-get install -y postgresql) or set ORCH_DATABASE_URL to an existing server.
        """)
    }

    /// Whether `postmaster.pid` names a live process: what `pg_ctl status` decides by.
    static func postmasterAlive(_ dataDirectory: String) -> Bool {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces)), pid > 0
        else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
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
        let result = try await ChildProcess(exe, args).runCapturingOutput(limit: 1 << 20)
        let output = result.output, ok = result.status.succeeded
        if check && !ok { throw PostgresSetupError.embedded("\(executable) \(arguments.joined(separator: " ")) failed:\n\(output)") }
        return Outcome(ok: ok, output: output)
    }

    /// Holds an exclusive `flock` on `path` while `body` runs, so two orch
    /// processes do not initialise or start the same cluster at once.
    private func withFileLock<T>(_ path: String, _ body: () async throws -> T) async throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw PostgresSetupError.embedded("""
            cannot open the lock file \(path): \(reason).
              Check what it is, remove it, and run again.
            """)
        }
        defer { close(fd) }
        // Older orch versions made it 0644. Best effort: it holds nothing, and
        // its folder is private anyway.
        var st = stat()
        if fstat(fd, &st) == 0, st.st_mode & 0o777 != 0o600 { _ = fchmod(fd, 0o600) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw PostgresSetupError.embedded("cannot lock \(path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }
}

/// The unprivileged user that owns the cluster when orch runs as root.
struct ServerOwner: Sendable {
    var name: String
    var uid: uid_t
    var gid: gid_t

    static func current() throws -> ServerOwner? {
        guard geteuid() == 0 else { return nil }
        for name in ["postgres", "nobody"] {
            if let pw = getpwnam(name) { return ServerOwner(name: name, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid) }
        }
        throw PostgresSetupError.embedded("running as root and no unprivileged user (postgres or nobody) exists to run PostgreSQL")
    }
}
