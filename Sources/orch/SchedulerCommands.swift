import ArgumentParser
import Foundation
import Logging
import OrchRuntime
import OrchExecution
import OrchSchedule
import OrchSpec
import OrchStore
import ServiceLifecycle
import OrchWarehouse
import OrchWeb
import Synchronization
import UnixSignals

struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Fire the schedules in a folder until stopped (the systemd service). SIGHUP reloads; SIGTERM stops cleanly."
    )

    @Option(help: "The schedules folder.") var schedules = "schedules"
    @Option(help: "How long running runs may finish after SIGTERM before they are cancelled.") var grace = "30s"
    @Option(help: "Prune runs older than this once a day (e.g. 90d); off by default.") var retention: String?
    @Flag(help: "With --retention, keep failed and crashed runs.") var retentionKeepFailed = false
    @Option(help: "Serve /metrics (Prometheus text format) on this port; 0 picks a free one.") var metricsPort: Int?
    @Option(help: "Serve the web view and /metrics on this port; 0 picks a free one.") var httpPort: Int?
    @Option(help: "The address --metrics-port and --http-port listen on; beyond loopback ORCH_UI_TOKEN must be set.")
    var listenHost = "127.0.0.1"

    func run() async throws {
        guard let grace = DurationText.parse(grace) else { throw ValidationError("--grace must be a duration like 30s") }
        var retention: Duration?
        if let text = self.retention {
            guard let d = DurationText.parse(text, requireUnit: true), d > .zero else {
                throw ValidationError("--retention must be a duration with a unit, like 90d (found `\(text)`)")
            }
            retention = d
        }
        let directory = URL(fileURLWithPath: schedules).standardizedFileURL.path
        _ = try ScheduleParser.loadDirectory(directory) // invalid schedules: exit 2 before connecting
        let web = try webConfigurations(schedules: directory) // an unguarded address: exit 2 before connecting too
        if !web.isEmpty { MetricsExport.bootstrap() }
        let environment = OrchEnvironment()
        let (retentionKeepFailed, keep) = (self.retentionKeepFailed, retention)
        try await environment.withStore { store in
            var configuration = SchedulerService.Configuration(directory: directory)
            let retention = keep
            configuration.grace = grace
            configuration.retention = retention
            configuration.retentionKeepsFailed = retentionKeepFailed
            let service = SchedulerService(store: store, environment: environment, configuration: configuration)
            var logger = Logger(label: "orch.scheduler")
            logger.logLevel = .warning
            // The web servers first: a group stops its services in reverse order, so /metrics
            // keeps answering while the scheduler's runs use their grace period.
            let servers: [any Service] = try web.map { WebService(server: try WebServer(configuration: $0, store: store, environment: environment)) }
            let group = ServiceGroup(configuration: .init(services: servers + [service], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await group.run()
        }
    }
}

extension SchedulerCommand {
    /// `--http-port` (pages and /metrics) and `--metrics-port` (/metrics only), each checked.
    /// - Throws: `ValidationError` for a bad port, `WebSetupError` for a non-loopback host without a token.
    func webConfigurations(schedules: String) throws -> [WebServer.Configuration] {
        let token = ProcessInfo.processInfo.environment["ORCH_UI_TOKEN"]
        return try [(httpPort, "--http-port", true), (metricsPort, "--metrics-port", false)].compactMap { port, flag, pages in
            guard let port else { return nil }
            guard (0...65535).contains(port) else { throw ValidationError("\(flag) must be a port from 0 to 65535 (found \(port))") }
            var configuration = WebServer.Configuration(listen: ListenAddress(host: listenHost, port: port), token: token)
            configuration.pages = pages
            configuration.schedulesDirectory = schedules // the Schedules page and the last-success ages read this scheduler's folder
            try configuration.check()
            return configuration
        }
    }
}

/// A web server as one of the scheduler's services: it stops when the scheduler is told to.
struct WebService: Service {
    let server: WebServer

    func run() async throws {
        let listen = server.configuration.listen, pages = server.configuration.pages
        try await server.run { port in
            let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
            // Once, with the bound port (port 0 picks one): how people and tests find it.
            printError("orch scheduler: serving http://\(host):\(port)\(pages ? "/ and /metrics" : "/metrics")")
        }
    }
}

struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Run a schedule for every logical time in a range, oldest first, max_active_runs at a time."
    )

    @Argument(help: "The schedule name.", completion: Complete.scheduleNames) var schedule: String
    @Option(help: "First logical time (ISO 8601).") var from: String
    @Option(help: "Last logical time (ISO 8601).") var to: String
    @Option(help: "The schedules folder.") var schedules = "schedules"
    @Flag(help: "Run logical times that already succeeded too.") var rerun = false
    @Flag(help: "Print the logical times that would run; run nothing, record nothing.") var dryRun = false
    @Flag(help: "Print JSON at the end (one result per logical time) instead of a line per run.") var json = false
    @Flag(help: "Show times in UTC instead of local time.") var utc = false

    func run() async throws {
        guard let start = try? Date(from, strategy: .iso8601), let end = try? Date(to, strategy: .iso8601), start <= end else {
            throw ValidationError("--from and --to must be ISO 8601 times (2026-01-01T00:00:00Z), --from first")
        }
        let spec = try ScheduleParser.named(schedule, in: URL(fileURLWithPath: schedules).standardizedFileURL.path)
        var backfill = Backfill(schedule: spec, from: start, to: end, environment: OrchEnvironment())
        backfill.rerun = rerun
        let (job, json, dryRun, time) = (backfill, self.json, self.dryRun, TimeDisplay.choose(utc: utc))
        let results = BackfillResults()
        let failed = try await job.environment.withStore { store -> Int in
            let ticks = try await job.ticks(ticks: store.schedules)
            if dryRun {
                print("backfill \(spec.name) (dry run): \(ticks.count) logical time(s) from \(time.format(start)) to \(time.format(end))"
                      + " would run \(spec.pipeline); nothing is run or recorded")
                for tick in ticks { print(time.format(tick)) }
                return 0
            }
            if !json { print("backfill \(spec.name): \(ticks.count) logical time(s) from \(time.format(start)) to \(time.format(end))") }
            let stop = StopSignal()
            let signals = BackfillSignals.install(stop)
            defer { _ = signals }
            return await job.run(ticks, runs: store.runs, warehouse: store.warehouse, stop: stop) { result in
                if json { results.items.withLock { $0.append(BackfillJSON.Result(result)) }; return }
                switch result {
                case let .finished(tick, runID, status): print("\(time.format(tick))  run \(runID)  \(status.rawValue)")
                case let .couldNotStart(tick, error): print("\(time.format(tick))  could not start: \(error)")
                }
            }
        }
        if json {
            let all = results.items.withLock { $0 }.sorted { $0.logicalTime < $1.logicalTime }
            print(try JSONOutput.render(BackfillJSON(schedule: spec.name, from: start, to: end, results: all)))
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// The results of a backfill as they come, for `--json`.
final class BackfillResults: Sendable {
    let items = Mutex<[BackfillJSON.Result]>([])
}

enum BackfillSignals {
    static func install(_ stop: StopSignal) -> [any DispatchSourceSignal] { SignalHandlers.install(stop) }
}

struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Cron helpers.",
        subcommands: [Next.self]
    )

    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the next fire times of a cron expression (as systemd-analyze calendar does).")

        @Argument(help: "The expression, quoted: \"0 2 * * *\", \"*/30 * * * * *\", @daily.") var expression: String
        @Option(help: "IANA time zone.") var tz = "UTC"
        @Option(help: "Start after this time (ISO 8601; default now).") var from: String?
        @Option(name: .short, help: "How many.") var n = 5
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let cron: CronExpression
            do { cron = try CronExpression(expression) } catch let e as CronError { throw RunSetupError(e.description) }
            guard let zone = TimeZone(identifier: tz) else { throw RunSetupError("unknown time zone `\(tz)`; use an IANA name like Europe/Berlin") }
            var start = Date()
            if let from {
                guard let d = try? Date(from, strategy: .iso8601) else { throw RunSetupError("--from must be ISO 8601, like 2026-03-08T00:00:00Z") }
                start = d
            }
            let times = CronSchedule(cron, timeZone: zone).next(n, after: start)
            let local = TimeDisplay(timeZone: zone)
            if json {
                print(try JSONOutput.render(CronNextJSON(expression: expression, timeZone: zone, times: times)))
            } else {
                print("  Original form: \(expression)\n      Time zone: \(zone.identifier)")
                for (i, t) in times.enumerated() {
                    print("\(i == 0 ? "Next elapse:" : "       Iter. #\(i + 1):") \(local.withWeekday(t))  (\(TimeDisplay.utc.format(t)))")
                }
            }
        }
    }
}
