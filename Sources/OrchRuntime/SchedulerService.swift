import Dispatch
import Foundation
import OrchExecution
import OrchSchedule
import OrchSpec
import OrchStore
import OrchWarehouse
import ServiceLifecycle
import Synchronization

/// `orch scheduler`: fires `schedules/*.yml`. Each tick is claimed in
/// Postgres under a unique key before its run starts, so several schedulers
/// fire it once. Missed ticks after downtime follow `catchup`; concurrency
/// follows `overlap`. SIGHUP (or a changed file) reloads the schedules; a
/// graceful shutdown (SIGTERM) stops firing, gives running runs `grace` to
/// finish, then cancels them and records their states.
public final class SchedulerService: Service, Sendable {
    public struct Configuration: Sendable {
        public var directory: String
        /// How long running runs may go on after a shutdown request.
        public var grace: Duration = .seconds(30)
        /// The longest the loop sleeps (it wakes earlier for a due tick).
        public var maxSleep: Duration = .seconds(1)
        /// Prune runs older than this once a day (nil: never).
        public var retention: Duration?
        public var retentionKeepsFailed = false
        public init(directory: String) { self.directory = directory }
    }

    struct State {
        var schedules: [ScheduleSpec] = []
        /// Per schedule: the next tick to fire, and ticks waiting (catchup, or queued by overlap).
        var armed: [String: Date] = [:]
        var pending: [String: [Date]] = [:]
        var inFlight: [String: Int] = [:]
        var reload = false
        var signature = ""
    }

    let runs: any RunStore
    let ticks: any TickStore
    /// What the runs' task kinds read and write.
    let warehouse: Warehouse?
    let environment: OrchEnvironment
    let configuration: Configuration
    let notifier: SystemdNotifier
    /// Names this scheduler process and no other (host and pid alone come
    /// back after a restart): a claim found under it is this process's own.
    let identity = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(RunOwner.newToken().prefix(8))"
    private let state = Mutex(State())
    private let firing = StopSignal()
    private let runStop = StopSignal()

    public convenience init(store: Store, environment: OrchEnvironment, configuration: Configuration, notifier: SystemdNotifier = SystemdNotifier()) {
        self.init(runs: store.runs, ticks: store.schedules, warehouse: store.warehouse, environment: environment,
                  configuration: configuration, notifier: notifier)
    }

    public init(runs: any RunStore, ticks: any TickStore, warehouse: Warehouse?, environment: OrchEnvironment,
                configuration: Configuration, notifier: SystemdNotifier = SystemdNotifier()) {
        self.runs = runs
        self.ticks = ticks
        self.warehouse = warehouse
        self.environment = environment
        self.configuration = configuration
        self.notifier = notifier
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("orch scheduler: \(message)\n".utf8))
    }

    public func run() async throws {
        try await load(initial: true)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        signal(SIGHUP, SIG_IGN)
        hangup.setEventHandler { [self] in
            state.withLock { $0.reload = true }
            Self.log("SIGHUP: reloading schedules")
        }
        hangup.resume()
        defer { hangup.cancel() }
        notifier.notify("READY=1")
        notifier.notify("STATUS=firing \(state.withLock { $0.schedules.count }) schedule(s)")
        Self.log("ready: \(state.withLock { $0.schedules.count }) schedule(s) from \(configuration.directory), as \(identity)")

        await withTaskGroup(of: Void.self) { group in
            if let interval = notifier.watchdogInterval {
                group.addTask { [notifier, firing] in
                    while firing.reason == nil {
                        notifier.notify("WATCHDOG=1")
                        try? await Task.sleep(for: interval)
                    }
                }
            }
            await withGracefulShutdownHandler {
                await loop(group: &group)
            } onGracefulShutdown: { [firing] in
                firing.request("shutdown requested")
            }
            notifier.notify("STOPPING=1")
            let running = state.withLock { $0.inFlight.values.reduce(0, +) }
            Self.log("stopping: no new runs; \(running) run(s) have \(DurationText.format(configuration.grace)) to finish")
            // Grace period: the runs may finish; then they are stopped and their states recorded.
            let deadline = ContinuousClock.now + configuration.grace
            while state.withLock({ $0.inFlight.values.reduce(0, +) }) > 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
            }
            if state.withLock({ $0.inFlight.values.reduce(0, +) }) > 0 {
                Self.log("grace period over: cancelling the runs still going")
                runStop.request("the scheduler is stopping (grace period over)")
            }
            firing.request("stopped")
            await group.waitForAll()
            Self.log("stopped")
        }
    }

    private func loop(group: inout TaskGroup<Void>) async {
        var lastHousekeeping = ContinuousClock.now - .seconds(60)
        var lastPrune: ContinuousClock.Instant?
        while firing.reason == nil {
            let now = Date()
            if ContinuousClock.now - lastHousekeeping >= .seconds(2) {
                lastHousekeeping = ContinuousClock.now
                do {
                    for run in try await runs.markCrashed(expiry: environment.heartbeatExpiry) {
                        Self.log("run \(run.id) marked crashed: \(run.message)")
                    }
                } catch {
                    Self.log("could not check for crashed runs: \(StoreError.describe(error))")
                }
                await recordOrphanedTicks()
                if let retention = configuration.retention, lastPrune.map({ ContinuousClock.now - $0 >= .seconds(86_400) }) ?? true {
                    lastPrune = ContinuousClock.now
                    do {
                        let r = try await Retention.prune(runs: runs, before: Date().addingTimeInterval(-retention.seconds),
                                                          keepFailed: configuration.retentionKeepsFailed, dryRun: false)
                        if r.runs > 0 { Self.log("retention: pruned \(r.runs) run(s) older than \(DurationText.format(retention))") }
                    } catch {
                        Self.log("retention: prune failed: \(StoreError.describe(error))")
                    }
                }
                if state.withLock({ $0.reload }) || signature() != state.withLock({ $0.signature }) {
                    try? await load(initial: false)
                }
            }
            for schedule in state.withLock({ $0.schedules }) where schedule.enabled {
                await fireDue(schedule, now: now, group: &group)
            }
            let nextTick = state.withLock { $0.armed.values.min() }
            var sleep = configuration.maxSleep
            if let nextTick {
                let until = nextTick.timeIntervalSinceNow
                sleep = min(sleep, Duration(clampedSeconds: max(0.005, until)))
            }
            await sleepOrStop(sleep)
        }
    }

    private func fireDue(_ schedule: ScheduleSpec, now: Date, group: inout TaskGroup<Void>) async {
        while firing.reason == nil {
            let next = state.withLock { s in TickDecision.nextTick(pending: s.pending[schedule.name] ?? [], armed: s.armed[schedule.name], now: now) }
            guard let next else { return }
            let (tick, fromPending) = next
            let consume = { [self] in
                state.withLock { s in
                    if fromPending { s.pending[schedule.name]?.removeFirst() } else { s.armed[schedule.name] = schedule.next(after: tick) }
                }
            }
            do {
                if try await ticks.pause(schedule: schedule.name)?.paused == true {
                    // Recorded, so that catch-up after an unpause or a restart starts from here: no burst of missed runs.
                    if case .ours = try await ticks.claim(schedule: schedule.name, logicalTime: tick, status: .paused, runID: nil, claimedBy: identity) {
                        Self.log("\(schedule.name): tick \(tick.ISO8601Format()) not run: the schedule is paused")
                    }
                    consume()
                    continue
                }
                var active = try await activeRuns(schedule)
                var decision = TickDecision(schedule, active: active, fromPending: fromPending)
                if decision != .start {
                    // Before holding the tick back, make sure the runs in the way are alive:
                    // one whose process is provably gone is marked crashed at once.
                    let swept = try await runs.markCrashed(expiry: environment.heartbeatExpiry)
                    for run in swept { Self.log("run \(run.id) marked crashed: \(run.message)") }
                    if !swept.isEmpty {
                        active = try await activeRuns(schedule)
                        decision = TickDecision(schedule, active: active, fromPending: fromPending)
                    }
                }
                switch decision {
                case .wait:
                    // Armed ticks join the queue so none is lost.
                    if !fromPending { state.withLock { $0.pending[schedule.name, default: []].append(tick) }; consume() }
                    return
                case .skip:
                    switch try await ticks.claim(schedule: schedule.name, logicalTime: tick, status: .skipped, runID: nil, claimedBy: identity) {
                    case .ours(.started, _):
                        // An earlier claim to start it, whose reply was lost; its slot is gone now.
                        try await ticks.updateTick(schedule: schedule.name, logicalTime: tick, status: .skipped, error: nil)
                        fallthrough
                    case .ours(.skipped, _):
                        Self.log("\(schedule.name): tick \(tick.ISO8601Format()) skipped, \(active) run(s) still active (overlap: skip)")
                    case .ours(.failed, _), .ours(.paused, _), .theirs:
                        break
                    }
                    consume()
                    continue
                case .start:
                    break
                }
                let claim = try await ticks.claim(schedule: schedule.name, logicalTime: tick, status: .started,
                                                            runID: RunInfo.makeID(), claimedBy: identity)
                if case let .ours(.started, runID?) = claim {
                    // Lateness of an on-time tick only: catch-up and queued ticks are late by design.
                    if !fromPending { OrchMetrics.fired(schedule: schedule.name, due: tick) }
                    state.withLock { $0.inFlight[schedule.name, default: 0] += 1 }
                    Self.log("\(schedule.name): firing tick \(tick.ISO8601Format()) as run \(runID)")
                    group.addTask { [self] in
                        await execute(schedule, tick: tick, runID: runID)
                        state.withLock { $0.inFlight[schedule.name, default: 1] -= 1 }
                    }
                }
                consume()
            } catch {
                Self.log("\(schedule.name): cannot claim tick \(tick.ISO8601Format()) yet: \(StoreError.describe(error)); will retry")
                return
            }
        }
    }

    private func execute(_ schedule: ScheduleSpec, tick: Date, runID: String) async {
        let request = request(schedule, tick: tick, runID: runID)
        let runner = PipelineRunner(environment: environment)
        do {
            let outcome = try await runner.run(request, runs: runs, warehouse: warehouse, stop: runStop)
            if let lost = outcome.lostOwnership {
                Self.log("\(schedule.name): run \(runID) (tick \(tick.ISO8601Format())) stopped here: \(lost)")
            } else {
                Self.log("\(schedule.name): run \(runID) (tick \(tick.ISO8601Format())) \(outcome.status.rawValue)")
            }
        } catch {
            // The tick is claimed, so no one else will run it: it must not vanish.
            await recordNotStarted(request, schedule: schedule.name, tick: tick, runID: runID, error: error)
        }
    }

    private func request(_ schedule: ScheduleSpec, tick: Date, runID: String) -> RunRequest {
        var request = RunRequest(schedule: schedule, trigger: .schedule(schedule.name), logicalTime: tick)
        request.runID = runID
        return request
    }

    /// A claimed tick whose run cannot start becomes a failed run and a failed tick, with the reason.
    private func recordNotStarted(_ request: RunRequest, schedule: String, tick: Date, runID: String, error: any Error) async {
        let runner = PipelineRunner(environment: environment)
        let message = await runner.recordNotStarted(request, runID: runID, error: error, runs: runs, stop: runStop)
        Self.log("\(schedule): run \(runID) (tick \(tick.ISO8601Format())) recorded failed, \(message)")
        do {
            try await ticks.updateTick(schedule: schedule, logicalTime: tick, status: .failed, error: message)
        } catch {
            Self.log("\(schedule): could not record the error of tick \(tick.ISO8601Format()): \(StoreError.describe(error))")
        }
    }

    /// Ticks claimed by a scheduler that died before their run was recorded
    /// (a kill between the claim and the run's first write): no one else may
    /// run them, so they are recorded failed rather than lost. Only claimers
    /// provably gone on this host are judged; a live one may still be starting.
    private func recordOrphanedTicks() async {
        let orphans: [UnstartedTick]
        do { orphans = try await ticks.unstartedTicks(olderThan: .seconds(5)) } catch { return }
        let schedules = state.withLock { $0.schedules }
        for orphan in orphans where orphan.claimedBy != identity {
            let parts = orphan.claimedBy.split(separator: ":")
            guard parts.count >= 2, ProcessLiveness.of(host: String(parts[0]), pid: Int(parts[1]), stamp: nil) == .gone,
                  let schedule = schedules.first(where: { $0.name == orphan.schedule }) else { continue }
            await recordNotStarted(request(schedule, tick: orphan.logicalTime, runID: orphan.runID), schedule: schedule.name,
                                   tick: orphan.logicalTime, runID: orphan.runID, error: OrphanedTick(claimedBy: orphan.claimedBy))
        }
    }

    /// Runs of the schedule that may be at work: recorded ones, or this
    /// process's own that are not recorded yet.
    private func activeRuns(_ schedule: ScheduleSpec) async throws -> Int {
        max(try await ticks.activeRuns(schedule: schedule.name, expiry: environment.heartbeatExpiry),
            state.withLock { $0.inFlight[schedule.name] ?? 0 })
    }

    private func sleepOrStop(_ duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { [firing] in _ = await firing.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// A cheap fingerprint of the schedule files (names, sizes, times) to notice edits.
    private func signature() -> String {
        let fm = FileManager.default
        let files = ((try? fm.contentsOfDirectory(atPath: configuration.directory)) ?? []).sorted()
        return files.map { f -> String in
            let a = try? fm.attributesOfItem(atPath: "\(configuration.directory)/\(f)")
            return "\(f):\(a?[.size] ?? 0):\((a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }.joined(separator: "|")
    }

    /// (Re)reads the schedules; keeps the old ones if the new files are invalid.
    private func load(initial: Bool) async throws {
        let signature = self.signature()
        let schedules: [ScheduleSpec]
        do {
            schedules = try ScheduleParser.loadDirectory(configuration.directory)
        } catch let error as SpecError {
            state.withLock { $0.reload = false; $0.signature = signature }
            if initial { throw error }
            Self.log("reload failed, keeping the previous schedules:\n\(error)")
            return
        }
        let now = Date()
        var armed: [String: Date] = [:], pending: [String: [Date]] = [:]
        for schedule in schedules where schedule.enabled {
            let (existing, previous) = state.withLock { s in (s.armed[schedule.name], s.schedules.first { $0.name == schedule.name }) }
            let sameTiming = previous.map { $0.timingText == schedule.timingText && $0.start == schedule.start && $0.end == schedule.end } ?? false
            if let existing, !initial, sameTiming {
                armed[schedule.name] = existing
                continue
            }
            if !initial, previous != nil {
                // The timing changed: the next tick follows the new one, from now.
                armed[schedule.name] = schedule.next(after: now)
                continue
            }
            // Paused: nothing to catch up. Unpaused since the last tick: what was due while paused is not "missed".
            let pause = try await ticks.pause(schedule: schedule.name)
            let unpausedAt = pause.flatMap { $0.paused ? nil : $0.changedAt }
            let last = [try await ticks.lastTick(schedule: schedule.name), unpausedAt].compactMap { $0 }.max()
            let missed = pause?.paused == true ? [] : TickPlanner.missed(schedule, lastTick: last, now: now)
            if !missed.isEmpty { Self.log("\(schedule.name): \(missed.count) missed tick(s) to catch up") }
            pending[schedule.name] = missed
            armed[schedule.name] = schedule.next(after: now)
        }
        state.withLock { s in
            if initial { s.pending = pending } else { for (k, v) in pending where s.pending[k] == nil { s.pending[k] = v } }
            s.armed = armed
            s.schedules = schedules
            s.reload = false
            s.signature = signature
        }
        if !initial { Self.log("reloaded \(schedules.count) schedule(s)") }
    }
}

/// Why a claimed tick has no run: the scheduler that claimed it died first.
struct OrphanedTick: Error, CustomStringConvertible {
    var claimedBy: String
    var description: String { "the scheduler that claimed it (\(claimedBy)) died before its run was recorded" }
}
