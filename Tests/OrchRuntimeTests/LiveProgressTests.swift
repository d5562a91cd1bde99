import Foundation
import Testing
import OrchTestSupport
@testable import OrchRuntime

/// `orch run` on a terminal: a pseudo-terminal from `script(1)`, colour on.
@Suite("live progress on a terminal", .timeLimit(.minutes(2)))
struct LiveProgressTests {
    @Test("on a terminal: a redrawn area with [done/total], every line within COLUMNS, one summary line at the end",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func redrawnArea() async throws {
        try await CLIScratch.with { scratch in
            let path = try scratch.pipeline("""
            name: live
            tasks:
              - { id: one, kind: command, command: "sleep 0.6" }
              - { id: two_with_a_name_longer_than_the_terminal_is_wide_so_it_must_be_cut, kind: command, command: "sleep 0.6" }
              - { id: three, kind: command, command: "echo done", after: [one] }
            """)
            let typescript = "\(scratch.dir)/typescript"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qfc", "'\(OrchBinary.path)' run '\(path)'", typescript]
            var env = ProcessInfo.processInfo.environment.merging(scratch.vars) { $1 }
            env["NO_COLOR"] = nil
            env["TERM"] = "xterm"
            env["COLUMNS"] = "60"
            process.environment = env
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.dir)
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                process.terminationHandler = { _ in c.resume() }
                do { try process.run() } catch { c.resume(throwing: error) }
            }
            let screen = try String(contentsOfFile: typescript, encoding: .utf8)
            #expect(screen.contains("\u{1B}[J"), "the area is erased and redrawn")
            let redraws = screen.components(separatedBy: "\u{1B}[").filter { $0.range(of: #"^\d+A"#, options: .regularExpression) != nil }.count
            #expect(redraws >= 3, "redrawn while the tasks run (about every 100 ms): \(redraws)")
            #expect(screen.contains("/3]"), "the [done/total] counter")
            // What shows: each redraw's lines, colour codes aside, never wider than the terminal.
            let shown = screen.components(separatedBy: "\r\n").filter { !$0.hasPrefix("Script ") }
                .flatMap { $0.components(separatedBy: "\u{1B}[J") }
            #expect(shown.allSatisfy { Terminal.visibleWidth($0.replacingOccurrences(of: #"\u{1B}\[\d+A"#, with: "", options: .regularExpression)) <= 60 },
                    "\(shown.filter { Terminal.visibleWidth($0) > 60 })")
            let summaries = shown.filter { $0.contains("run ") && $0.contains(" in ") && $0.contains("3 succeeded") }
            #expect(summaries.count == 1, "one summary line: \(screen)")
        }
    }
}
