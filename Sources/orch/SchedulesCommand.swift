import ArgumentParser
import Foundation
import OrchExecution
import OrchRuntime
import OrchSchedule
import OrchStore

struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "Each schedule with its next fire time, last run and its status; pause and unpause them.",
        subcommands: [List.self, Pause.self, Unpause.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each schedule with its next fire time, last run and its status (the default).")

        @Option(help: "The schedules folder.") var schedules = "schedules"
        @Flag(help: "Show times in UTC instead of local time.") var utc = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let time = TimeDisplay.choose(utc: utc)
            let specs = try ScheduleParser.loadDirectory(URL(fileURLWithPath: schedules).standardizedFileURL.path)
            let rows = try await OrchEnvironment().withStore { store in
                var rows: [SchedulesJSON.Row] = []
                for s in specs {
                    let paused = try await store.schedules.pause(schedule: s.name)?.paused == true
                    rows.append(SchedulesJSON.Row(name: s.name, pipeline: s.pipeline, timing: s.timingText, enabled: s.enabled,
                                                  paused: paused, nextFire: s.enabled && !paused ? s.next(after: Date()) : nil,
                                                  lastRun: try await store.schedules.lastRun(schedule: s.name),
                                                  lastTick: try await store.schedules.latestTick(schedule: s.name)))
                }
                return rows
            }
            if json { print(try JSONOutput.render(SchedulesJSON(rows))); return }
            let terminal = Terminal.detect()
            print(Terminal.table(["SCHEDULE", "WHEN", "NEXT", "LAST RUN", "STATUS"], rows.map {
                [$0.name, $0.timing + ($0.enabled ? "" : " (disabled)") + ($0.paused ? " (paused)" : ""),
                 $0.nextFire.map(time.format) ?? "-", $0.lastRunId ?? "-", $0.lastStatus.map { terminal.state($0) } ?? "-"]
            }))
            for row in rows {
                if let error = row.lastTickError, let tick = row.lastTickTime {
                    print("\(row.name): the tick of \(time.format(tick)) failed: \(error)")
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a schedule: every scheduler records its ticks as paused and runs none until it is unpaused.")

        @OptionGroup var target: ScheduleName

        func run() async throws {
            try await target.setPaused(true)
            print("paused \(target.name): its ticks are recorded as paused, none runs; `orch schedules unpause \(target.name)` resumes it")
        }
    }

    struct Unpause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unpause a schedule: it fires again from its next tick; the ticks due while paused are not caught up.")

        @OptionGroup var target: ScheduleName

        func run() async throws {
            try await target.setPaused(false)
            print("unpaused \(target.name): it fires from its next tick")
        }
    }
}

/// A schedule named on the command line, and the folder it must be in.
struct ScheduleName: ParsableArguments {
    @Argument(help: "The schedule name.", completion: Complete.scheduleNames) var name: String
    @Option(help: "The schedules folder.") var schedules = "schedules"

    /// The schedule of that name. - Throws: `SpecError` (exit 2) naming the nearest one when there is none.
    func spec() throws -> ScheduleSpec {
        try ScheduleParser.named(name, in: URL(fileURLWithPath: schedules).standardizedFileURL.path)
    }

    func setPaused(_ paused: Bool) async throws {
        let spec = try spec()
        let who = "\(ProcessInfo.processInfo.environment["USER"] ?? "?")@\(ProcessInfo.processInfo.hostName)"
        try await OrchEnvironment().withStore { store in try await store.schedules.setPaused(paused, schedule: spec.name, by: who) }
    }
}

struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Run a schedule's pipeline now (its params, select and alert), as a run with trigger trigger:NAME; exit as orch run."
    )

    @OptionGroup var target: ScheduleName
    @Option(help: "The run's logical time (ISO 8601; default now).") var logicalTime: String?

    func run() async throws {
        var time = Date()
        if let logicalTime {
            guard let parsed = try? Date(logicalTime, strategy: .iso8601) else {
                throw RunSetupError("--logical-time must be an ISO 8601 time, like 2026-01-01T02:30:00Z (found `\(logicalTime)`)")
            }
            time = parsed
        }
        let spec = try target.spec()
        try await executeRun(RunRequest(schedule: spec, trigger: .trigger(spec.name), logicalTime: time))
    }
}
