import Foundation
import Testing
import OrchTestSupport
#if canImport(Glibc)
import Glibc
#endif
// On Linux `stat` reaches Swift through Dispatch's C module: MemberImportVisibility wants it named.
#if canImport(CDispatch)
import CDispatch
#endif

/// The embedded cluster uses trust authentication on a Unix socket, so who may
/// connect is decided by file permissions alone: these tests check them with a
/// real second account, a real cluster and real psql.
@Suite("embedded PostgreSQL is private", .timeLimit(.minutes(2)))
struct EmbeddedPrivacyTests {
    @Test("a second local account cannot connect; the owner still can",
          .enabled(if: Intruder.name != nil, "needs root to create and switch to a second account (orch-intruder)"))
    func intruderCannotConnect() async throws {
        let intruder = try #require(Intruder.name)
        try await withTemporaryDirectory { home in
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": ""]
            try await stoppingEmbedded(home: home) {
                let start = try await runOrch(["db", "start"], environment: vars, directory: home)
                #expect(start.status == 0, "\(start.stdout)\(start.stderr)")
                let socket = try await socketDirectory(vars, home)

                let stolen = try await runProgram("/usr/sbin/runuser", ["-u", intruder, "--", "psql", "-h", socket, "-U", "postgres",
                                                                        "-d", "postgres", "-tAc", "select 1"])
                #expect(stolen.status != 0, "\(intruder) got a session on \(socket): \(stolen.stdout)")
                #expect(stolen.stderr.contains("Permission denied"), "\(stolen.stderr)")

                // The owner (and, as root, the cluster's own account) still gets in.
                let own = try await runOrch(["db", "psql", "-tAc", "select 41 + 1"], environment: vars, directory: home)
                #expect(own.status == 0, "\(own.stderr)")
                #expect(own.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42")
                if geteuid() == 0 {
                    let server = try await runProgram("/usr/sbin/runuser", ["-u", "postgres", "--", "psql", "-h", socket, "-U", "postgres",
                                                                            "-d", "postgres", "-tAc", "select 1"])
                    #expect(server.status == 0, "\(server.stderr)")
                }
            }
        }
    }

    @Test("cluster and socket folders are 0700 and the cluster's; an old 0755 cluster is fixed at the next start")
    func modes() async throws {
        try await withTemporaryDirectory { home in
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": ""]
            try await stoppingEmbedded(home: home) {
                #expect(try await runOrch(["db", "start"], environment: vars, directory: home).status == 0)
                let socket = try await socketDirectory(vars, home)
                let clusterUID = try #require(fileStatus("\(home)/postgres/data")).st_uid
                #expect(clusterUID == (geteuid() == 0 ? getpwnam("postgres").pointee.pw_uid : geteuid()))
                for dir in ["\(home)/postgres", socket] {
                    let st = try #require(fileStatus(dir))
                    #expect(st.st_mode & 0o7777 == 0o700, "\(dir) has mode \(String(st.st_mode & 0o7777, radix: 8))")
                    #expect(st.st_uid == clusterUID, "\(dir) belongs to uid \(st.st_uid)")
                }
                #expect(try #require(fileStatus("\(home)/postgres/.orch.lock")).st_mode & 0o777 == 0o600)

                // What older orch versions left behind: open folders.
                #expect(try await runOrch(["db", "stop"], environment: vars, directory: home).status == 0)
                chmod("\(home)/postgres", 0o755)
                chmod(socket, 0o755)
                #expect(try await runOrch(["db", "start"], environment: vars, directory: home).status == 0)
                #expect(try await socketDirectory(vars, home) == socket)
                for dir in ["\(home)/postgres", socket] {
                    #expect(try #require(fileStatus(dir)).st_mode & 0o7777 == 0o700, "\(dir) was not fixed")
                }
            }
        }
    }

    /// A home too long for a socket path puts the socket under /tmp. Older
    /// versions used `/tmp/orch-pg-<hash of the path>` and took whatever was
    /// there: another account could plant that folder (or a symlink) first.
    @Test("a planted fallback socket folder is not used", arguments: ["open folder", "symlink"])
    func plantedFallback(kind: String) async throws {
        try await withTemporaryDirectory { base in
            let home = base + "/" + String(repeating: "h", count: 100)
            let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": ""]
            let predictable = "/tmp/orch-pg-" + String(fnv1a(home + "/postgres").prefix(12))
            let bait = "\(base)/bait"
            try FileManager.default.createDirectory(atPath: bait, withIntermediateDirectories: true)
            chmod(bait, 0o777)
            try? FileManager.default.removeItem(atPath: predictable)
            if kind == "symlink" {
                try FileManager.default.createSymbolicLink(atPath: predictable, withDestinationPath: bait)
            } else {
                try FileManager.default.createDirectory(atPath: predictable, withIntermediateDirectories: false)
                chmod(predictable, 0o777)
            }
            if let intruder = Intruder.name, let pw = getpwnam(intruder) {
                lchown(predictable, pw.pointee.pw_uid, pw.pointee.pw_gid)
                chown(bait, pw.pointee.pw_uid, pw.pointee.pw_gid)
            }
            var socket: String?
            defer {
                try? FileManager.default.removeItem(atPath: predictable)
                if let socket, socket.hasPrefix("/tmp/orch-pg-") { try? FileManager.default.removeItem(atPath: socket) }
            }
            try await stoppingEmbedded(home: home) {
                let start = try await runOrch(["db", "start"], environment: vars, directory: base)
                #expect(start.status == 0, "\(start.stdout)\(start.stderr)")
                socket = try await socketDirectory(vars, base)
                let chosen = try #require(socket)
                #expect(chosen != predictable)
                #expect(chosen.utf8.count < 90)
                #expect(!FileManager.default.fileExists(atPath: "\(predictable)/.s.PGSQL.5432"))
                #expect(!FileManager.default.fileExists(atPath: "\(bait)/.s.PGSQL.5432"))
                let st = try #require(fileStatus(chosen))
                #expect(st.st_mode & 0o7777 == 0o700)
                #expect((st.st_mode & S_IFMT) == S_IFDIR)
                // The planted folder is left as it was (never chowned to the cluster).
                if let intruder = Intruder.name, let pw = getpwnam(intruder) {
                    var l = Glibc.stat()
                    #expect(lstat(predictable, &l) == 0 && l.st_uid == pw.pointee.pw_uid)
                    #expect(try #require(fileStatus(bait)).st_uid == pw.pointee.pw_uid)
                }

                // Every later orch process finds the same socket, and it works.
                let own = try await runOrch(["db", "psql", "-tAc", "select 1"], environment: vars, directory: base)
                #expect(own.status == 0, "\(own.stderr)")
                #expect(try await socketDirectory(vars, base) == chosen)
                let status = try await runOrch(["status"], environment: vars, directory: base)
                #expect(status.status == 0, "\(status.stderr)")
            }
        }
    }
}

/// A second unprivileged account to play the other local user; created when
/// the tests run as root (as in CI), nil otherwise.
enum Intruder {
    static let name: String? = {
        guard geteuid() == 0 else { return nil }
        if getpwnam("orch-intruder") == nil {
            _ = try? syncRun("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "orch-intruder"])
        }
        return getpwnam("orch-intruder") == nil ? nil : "orch-intruder"
    }()

    private static func syncRun(_ exe: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}

/// The socket folder, from `orch db url` (`postgresql://postgres@/postgres?host=DIR&port=5432`).
private func socketDirectory(_ vars: [String: String], _ directory: String) async throws -> String {
    let url = try await runOrch(["db", "url"], environment: vars, directory: directory)
    let host = URLComponents(string: url.stdout.trimmingCharacters(in: .whitespacesAndNewlines))?
        .queryItems?.first { $0.name == "host" }?.value
    return try #require(host, "no host in `orch db url`: \(url.stdout)\(url.stderr)")
}

private func fileStatus(_ path: String) -> Glibc.stat? {
    var st = Glibc.stat()
    return stat(path, &st) == 0 ? st : nil
}

/// The hash older orch versions put in the fallback socket path (FNV-1a, hex).
private func fnv1a(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let s = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

/// Runs a program (psql as another account) without blocking a pool thread.
private func runProgram(_ exe: String, _ args: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: "/")
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let (ends, ended) = AsyncStream.makeStream(of: Void.self)
    p.terminationHandler = { _ in ended.finish() }
    try p.run()
    for await _ in ends {}
    // psql's answers here are a few lines: they fit in the pipe buffers.
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (p.terminationStatus, stdout, stderr)
}
