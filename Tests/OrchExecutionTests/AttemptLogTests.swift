import Foundation
import Testing
@testable import OrchExecution

/// An attempt log's tail, taken from memory when only orch wrote to the file.
@Suite("attempt log tails")
struct AttemptLogTests {
    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orch-log-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("from memory it is the file's own tail, short or past 16 KiB, with multi-line writes", arguments: [3, 40, 700])
    func sameAsFile(_ writes: Int) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try AttemptLog(path: "\(dir)/t/attempt-1.log", exclusive: true)
        for i in 0..<writes { log.write(i % 7 == 0 ? "line \(i)\nand its second line \(String(repeating: "x", count: i % 50))" : "line \(i)") }
        log.close()
        for lines in [1, 5, 40, 1000] {
            #expect(log.tail(lines: lines) == AttemptLog.tail(of: log.path, lines: lines), "\(writes) writes, \(lines) lines")
        }
    }

    @Test("when a child process also wrote to the file, the tail is the file's")
    func childWrote() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try AttemptLog(path: "\(dir)/t/attempt-1.log", exclusive: true)
        log.write("== orch: started")
        let other = try #require(FileHandle(forWritingAtPath: log.path))
        try other.seekToEnd()
        try other.write(contentsOf: Data("fatal: config missing\n".utf8))
        try other.close()
        log.write("== orch: failed")
        log.close()
        #expect(log.tail(lines: 40) == "== orch: started\nfatal: config missing\n== orch: failed")
    }
}
