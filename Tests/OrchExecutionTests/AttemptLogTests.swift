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
        try log.materialize()
        let other = try #require(FileHandle(forWritingAtPath: log.path))
        try other.seekToEnd()
        try other.write(contentsOf: Data("fatal: config missing\n".utf8))
        try other.close()
        log.write("== orch: failed")
        log.close()
        #expect(log.tail(lines: 40) == "== orch: started\nfatal: config missing\n== orch: failed")
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test("a short log closed as a success stays off the disk (not even its folder), its tail all of it; a longer one is written whole")
    func shortLogsStayInMemory() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let short = try AttemptLog(path: "\(dir)/a/attempt-1.log", exclusive: true)
        for i in 0..<5 { short.write("line \(i)") }
        short.close(unlessTailHolds: 40)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/a"))
        #expect(!short.isOnDisk)
        #expect(short.tail(lines: 40) == (0..<5).map { "line \($0)" }.joined(separator: "\n"))

        let long = try AttemptLog(path: "\(dir)/b/attempt-1.log", exclusive: true)
        for i in 0..<41 { long.write("line \(i)") }
        long.close(unlessTailHolds: 40)
        #expect(try String(contentsOfFile: long.path, encoding: .utf8) == (0..<41).map { "line \($0)\n" }.joined())
        #expect(try Self.mode(long.path) == 0o600)
        #expect(try Self.mode("\(dir)/b") == 0o700)

        // Closed without a tail to hold it (a failed attempt): always a file.
        let failed = try AttemptLog(path: "\(dir)/c/attempt-1.log", exclusive: true)
        failed.write("== orch: started")
        failed.write("== orch: failed")
        failed.close()
        #expect(try String(contentsOfFile: failed.path, encoding: .utf8) == "== orch: started\n== orch: failed\n")
        // Closed means closed: a late write goes nowhere.
        failed.write("late")
        #expect(try String(contentsOfFile: failed.path, encoding: .utf8) == "== orch: started\n== orch: failed\n")
    }

    @Test("past a tail's 16 KiB the log goes to disk as it is written, nothing lost")
    func bigLogsGoToDisk() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try AttemptLog(path: "\(dir)/t/attempt-1.log", exclusive: true)
        let line = String(repeating: "y", count: 99)
        for _ in 0..<160 { log.write(line) }
        #expect(!log.isOnDisk, "16,000 bytes still fit")
        for _ in 0..<10 { log.write(line) }
        #expect(log.isOnDisk)
        log.close(unlessTailHolds: 1000)
        #expect(try String(contentsOfFile: log.path, encoding: .utf8) == String(repeating: line + "\n", count: 170))
    }

    @Test("materialized for a child process: orch's lines first, then the child's, then orch's again, in that order")
    func materializeForChild() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try AttemptLog(path: "\(dir)/t/attempt-1.log", exclusive: true)
        log.write("== orch: started")
        let path = try log.materialize()
        let child = try #require(FileHandle(forWritingAtPath: path))
        try child.seekToEnd()
        try child.write(contentsOf: Data("from the child\n".utf8))
        try child.close()
        log.write("== orch: succeeded")
        log.close(unlessTailHolds: 40)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "== orch: started\nfrom the child\n== orch: succeeded\n")
        #expect(log.tail(lines: 40) == "== orch: started\nfrom the child\n== orch: succeeded")
    }

    @Test("an existing file is never overwritten: refused at once, and if one appears before the log is put on disk")
    func exclusiveEvenLate() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: "\(dir)/t", withIntermediateDirectories: true)
        try "earlier\n".write(toFile: "\(dir)/t/attempt-1.log", atomically: true, encoding: .utf8)
        #expect(throws: AttemptLog.Exists.self) { try AttemptLog(path: "\(dir)/t/attempt-1.log", exclusive: true) }
        let log = try AttemptLog(path: "\(dir)/t/attempt-2.log", exclusive: true)
        log.write("mine")
        try "someone else\n".write(toFile: "\(dir)/t/attempt-2.log", atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try log.materialize() }
        #expect(log.writeFailure?.contains("another file took its name") == true)
        log.close()
        #expect(try String(contentsOfFile: "\(dir)/t/attempt-2.log", encoding: .utf8) == "someone else\n")
    }

    @Test("a log whose file cannot be made keeps only a tail in memory, however much is written, and says why")
    func unwritableKeepsATail() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A plain file where the task's folder should be: neither mkdir nor open can succeed.
        try "in the way".write(toFile: "\(dir)/t", atomically: true, encoding: .utf8)
        let log = try AttemptLog(path: "\(dir)/t/attempt-1.log", exclusive: true)
        let line = String(repeating: "z", count: 999)
        for i in 0..<200 { log.write("\(i) \(line)") }
        #expect(log.writeFailure?.contains("creating \(dir)/t/attempt-1.log failed") == true, "\(log.writeFailure ?? "no failure")")
        #expect(!log.isOnDisk)
        #expect(log.tail(lines: 1).hasPrefix("199 "))
        #expect(log.bytesInMemory <= 2 * AttemptLog.tailBytes, "\(log.bytesInMemory) bytes held for 200 KB written")
        log.close()
    }

    @Test("an attempt that goes on is put on disk by the flusher with what it wrote so far, then written through")
    func flusherPutsLongAttemptsOnDisk() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let flusher = LogFlusher(after: .milliseconds(50))
        let slow = try AttemptLog(path: "\(dir)/slow/attempt-1.log", exclusive: true)
        let quick = try AttemptLog(path: "\(dir)/quick/attempt-1.log", exclusive: true)
        slow.write("started")
        flusher.track(slow)
        flusher.track(quick)
        flusher.untrack(quick)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await flusher.run() }
            let deadline = ContinuousClock.now + .seconds(10)
            while !slow.isOnDisk && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            group.cancelAll()
        }
        #expect(try String(contentsOfFile: slow.path, encoding: .utf8) == "started\n")
        slow.write("more")
        #expect(try String(contentsOfFile: slow.path, encoding: .utf8) == "started\nmore\n")
        #expect(!quick.isOnDisk, "an untracked (finished) attempt is left alone")
        slow.close()
        quick.close(unlessTailHolds: 40)
    }
}
