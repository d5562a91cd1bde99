import Foundation
import Testing
@testable import OrchPostgres

/// The embedded cluster's fast path: `postmaster.pid` naming a live process
/// means up (what `pg_ctl status` decides by); anything else takes the slow
/// path, which asks `pg_ctl` and starts the server.
@Suite("embedded cluster: is the postmaster alive")
struct PostmasterAliveTests {
    func withPidFile(_ text: String?, _ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orch-pm-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        if let text { try text.write(toFile: dir + "/postmaster.pid", atomically: true, encoding: .utf8) }
        try body(dir)
    }

    @Test("a live pid is up; a dead one (a server stopped -m immediate), garbage, or no file is not")
    func alive() throws {
        try withPidFile("\(getpid())\n/data\n1700000000\n5432\n") { #expect(EmbeddedPostgres.postmasterAlive($0)) }
        // A process that has ended and been reaped: its pid names nothing now.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        try withPidFile("\(child.processIdentifier)\n/data\n") { #expect(!EmbeddedPostgres.postmasterAlive($0)) }
        for garbage in ["", "\n", "abc\n", "-1\n", "0\n", "99999999999999999999\n"] {
            try withPidFile(garbage) { #expect(!EmbeddedPostgres.postmasterAlive($0), "\(garbage.debugDescription)") }
        }
        try withPidFile(nil) { #expect(!EmbeddedPostgres.postmasterAlive($0)) }
    }
}
