import Foundation
import Testing
import OrchExecution
import OrchTestSupport
@testable import OrchRuntime

/// The progress of `orch run` as a pure value: events in, lines out.
@Suite("progress renderer")
struct ProgressRendererTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func info(_ tasks: [String]) -> RunInfo {
        RunInfo(id: "20261202-101010-abcdef", pipeline: "p", pipelineFile: "/p.yml", trigger: .manual, logicalTime: t0, params: [:],
                specHash: "x", host: "h", pid: 1, directory: "/runs/p/20261202-101010-abcdef", tasks: tasks, startedAt: t0)
    }

    static func renderer(_ mode: ProgressRenderer.Mode, width: Int = 80, verbose: Bool = false) -> ProgressRenderer {
        var c = ProgressRenderer.Configuration(mode: mode, terminal: Terminal(color: false), width: width)
        c.verbose = verbose
        c.height = 5
        c.time = .utc
        return ProgressRenderer(configuration: c)
    }

    /// Feeds a run of three tasks: `a` succeeds, `b` fails twice (its log says why), `c` is held back.
    static func feed(_ r: inout ProgressRenderer) -> [String] {
        var out: [String] = []
        func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
        out += r.apply(.runStarted(info(["a", "b", "c"])))
        out += r.apply(.taskStateChanged(task: "a", state: .running, at: at(0), message: nil))
        out += r.apply(.attemptStarted(task: "a", attempt: 1, at: at(0), logPath: "/l"))
        out += r.apply(.taskStateChanged(task: "b", state: .running, at: at(0), message: nil))
        out += r.apply(.attemptStarted(task: "b", attempt: 1, at: at(0), logPath: "/l"))
        out += r.apply(.attemptFinished(AttemptRecord(task: "a", attempt: 1, status: .succeeded, startedAt: at(0), finishedAt: at(1.5), logPath: "/l")))
        out += r.apply(.taskStateChanged(task: "a", state: .succeeded, at: at(1.5), message: nil))
        for n in 1...2 {
            let tail = "== orch: task b, attempt \(n)\nreading config\nfatal: config missing\n== orch: failed (exit_code): exit code 1"
            out += r.apply(.attemptFinished(AttemptRecord(task: "b", attempt: n, status: .failed, startedAt: at(Double(n)), finishedAt: at(Double(n) + 1),
                                                          errorClass: .exitCode, error: "exit code 1: ./deploy.sh", logPath: "/l", logTail: tail)))
            if n == 1 {
                out += r.apply(.retryScheduled(task: "b", afterAttempt: 1, delay: .seconds(1), at: at(2)))
                out += r.apply(.attemptStarted(task: "b", attempt: 2, at: at(2), logPath: "/l"))
            }
        }
        out += r.apply(.taskStateChanged(task: "b", state: .failed, at: at(3), message: "exit code 1: ./deploy.sh (after 2 attempts)"))
        out += r.apply(.taskStateChanged(task: "c", state: .upstreamFailed, at: at(3), message: "upstream `b` did not succeed"))
        out += r.apply(.runFinished(status: .failed, at: at(3.2), message: nil))
        return out
    }

    @Test("piped: every line has [done/total], one per state change; the summary has one line, then only what failed, with why")
    func piped() {
        var r = Self.renderer(.lines, width: ProgressRenderer.Configuration.lineLimit)
        let lines = Self.feed(&r).filter { !$0.isEmpty }
        #expect(lines.allSatisfy { $0.hasPrefix("[") && $0.contains("/3] ") }, "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.hasPrefix("[1/3]") && $0.contains("a ") && $0.contains("succeeded  1.5s") })
        #expect(lines.contains { $0.hasPrefix("[1/3]") && $0.contains("attempt 1 failed: exit code 1") })
        #expect(lines.contains { $0.hasPrefix("[2/3]") && $0.contains("b ") && $0.contains("failed  2s") }, "the attempts' own work")
        let summary = try! #require(lines.firstIndex { $0.contains("run 20261202-101010-abcdef failed in 3.2s: 1 succeeded, 1 failed, 1 upstream_failed") })
        let after = Array(lines[(summary + 1)...])
        #expect(after.contains { $0.contains("  b: failed after 2 attempts (2s): exit code 1: ./deploy.sh") }, "\(after)")
        #expect(after.contains { $0.hasSuffix("│ fatal: config missing") }, "the line that says why")
        #expect(!after.contains { $0.contains("== orch:") })
        #expect(!after.contains { $0.contains(" a:") || $0.contains("TASK") }, "no table, no task that succeeded at once")
        #expect(after.last?.contains("orch report 20261202-101010-abcdef") == true && after.last?.contains("orch retry") == true)
    }

    @Test("a task that needed a retry is listed in the summary; one that succeeded at once is not")
    func retriedListed() {
        var r = Self.renderer(.lines, width: 200)
        _ = r.apply(.runStarted(Self.info(["flaky", "steady"])))
        for (task, n, status) in [("steady", 1, AttemptStatus.succeeded), ("flaky", 1, .failed), ("flaky", 2, .succeeded)] {
            _ = r.apply(.attemptStarted(task: task, attempt: n, at: Self.t0, logPath: "/l"))
            _ = r.apply(.attemptFinished(AttemptRecord(task: task, attempt: n, status: status, startedAt: Self.t0,
                                                       finishedAt: Self.t0.addingTimeInterval(0.5), logPath: "/l")))
        }
        _ = r.apply(.taskStateChanged(task: "steady", state: .succeeded, at: Self.t0, message: nil))
        _ = r.apply(.taskStateChanged(task: "flaky", state: .succeeded, at: Self.t0, message: nil))
        let summary = r.apply(.runFinished(status: .succeeded, at: Self.t0.addingTimeInterval(1), message: nil))
        #expect(summary.contains { $0.hasSuffix("flaky: succeeded on attempt 2 (1s)") }, "\(summary)")
        #expect(!summary.contains { $0.contains("steady:") })
        #expect(!summary.contains { $0.contains("orch retry") }, "nothing to resume after a success")
    }

    @Test("--verbose adds the full per-task table")
    func verbose() {
        var r = Self.renderer(.lines, width: 200, verbose: true)
        let text = Self.feed(&r).joined(separator: "\n")
        #expect(text.contains("TASK") && text.contains("ATTEMPTS") && text.contains("upstream_failed"))
    }

    @Test("piped lines are cut at the limit, never longer")
    func pipedCut() {
        var r = Self.renderer(.lines, width: ProgressRenderer.Configuration.lineLimit)
        _ = r.apply(.runStarted(Self.info(["a"])))
        let long = String(repeating: "x", count: 500)
        let lines = r.apply(.taskStateChanged(task: "a", state: .failed, at: Self.t0, message: long))
        #expect(lines.count == 1 && lines[0].count == ProgressRenderer.Configuration.lineLimit && lines[0].hasSuffix("…"))
    }

    @Test("live: the area shows [done/total] and each running task's elapsed time, fits the width, and only failures scroll above it")
    func live() {
        var r = Self.renderer(.live, width: 40)
        var permanent: [String] = []
        permanent += r.apply(.runStarted(Self.info(["a", "b", "c", "d", "e", "f", "a_task_with_a_very_long_name_indeed"])))
        for (i, t) in ["a", "b", "c", "d", "e", "a_task_with_a_very_long_name_indeed"].enumerated() {
            permanent += r.apply(.taskStateChanged(task: t, state: .running, at: Self.t0.addingTimeInterval(Double(i)), message: nil))
            permanent += r.apply(.attemptStarted(task: t, attempt: 1, at: Self.t0.addingTimeInterval(Double(i)), logPath: "/l"))
        }
        permanent += r.apply(.attemptFinished(AttemptRecord(task: "a", attempt: 1, status: .succeeded, startedAt: Self.t0, finishedAt: Self.t0.addingTimeInterval(1), logPath: "/l")))
        permanent += r.apply(.taskStateChanged(task: "a", state: .succeeded, at: Self.t0.addingTimeInterval(1), message: nil))
        #expect(permanent.count == 1, "only the start line; a success is the area's: \(permanent)")
        let area = r.area(now: Self.t0.addingTimeInterval(10))
        #expect(area.count == 5, "height 5: \(area)")
        #expect(area[0].hasPrefix("[1/7] 10s elapsed, 5 running"), "\(area)")
        #expect(area[1].hasSuffix("     9s  b"), "the longest-running first, its time before its name: \(area)")
        #expect(area.last == "  … and 2 more")
        #expect(area.allSatisfy { Terminal.visibleWidth($0) <= 40 }, "\(area)")
        let failed = r.apply(.taskStateChanged(task: "b", state: .failed, at: Self.t0.addingTimeInterval(11), message: "boom"))
        #expect(failed.count == 1 && failed[0].contains("b ") && failed[0].contains("failed"), "a failure stays above the area: \(failed)")
        #expect(failed.allSatisfy { Terminal.visibleWidth($0) <= 40 }, "cut to the width too: \(failed)")
        #expect(r.area(now: Self.t0.addingTimeInterval(12))[0].contains("1 failed"))
        _ = r.apply(.runFinished(status: .failed, at: Self.t0.addingTimeInterval(12), message: nil))
        #expect(r.area(now: Self.t0.addingTimeInterval(13)).isEmpty, "no area after the end")
    }

    @Test("a coloured line is cut by what shows, its colour reset")
    func cutColour() {
        let painted = Terminal(color: true).paint(String(repeating: "y", count: 30), "31")
        let cut = Terminal.cut(painted, to: 10)
        #expect(Terminal.visibleWidth(cut) == 10 && cut.hasSuffix("…\u{1B}[0m"))
        #expect(Terminal.cut("short", to: 10) == "short")
    }
}
