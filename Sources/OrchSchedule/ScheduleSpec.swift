import Foundation
import OrchSpec

/// A schedule file (`schedules/*.yml`): which pipeline, when, with what.
public struct ScheduleSpec: Sendable {
    public enum Timing: Sendable {
        case cron(CronSchedule)
        case every(IntervalSchedule)

        public func next(after date: Date) -> Date? {
            switch self {
            case let .cron(c): return c.next(after: date)
            case let .every(i): return i.next(after: date)
            }
        }
    }

    public enum Catchup: Sendable, Hashable {
        case none, all, last(Int)
    }

    public enum Overlap: String, Sendable, Hashable, CaseIterable {
        /// Don't start a tick while `max_active_runs` runs are active: the tick is recorded as skipped.
        case skip
        /// Wait: the tick starts when a slot frees up.
        case queue
        /// Start anyway.
        case allow
    }

    public var name: String
    public var file: String
    /// Absolute path of the pipeline file.
    public var pipeline: String
    public var timing: Timing
    public var timingText: String
    public var timeZone: TimeZone
    public var params: [String: String]
    public var select: [String]
    public var catchup: Catchup
    public var overlap: Overlap
    public var maxActiveRuns: Int
    public var start: Date?
    public var end: Date?
    public var enabled: Bool
    /// Overrides the pipeline's `on_failure` for this schedule's runs.
    public var onFailure: AlertSpec?

    /// The next tick strictly after `date`, within `start`/`end`.
    public func next(after date: Date) -> Date? {
        var cursor = date
        if let start, cursor < start { cursor = start.addingTimeInterval(-0.001) }
        guard let tick = timing.next(after: cursor) else { return nil }
        if let end, tick > end { return nil }
        return tick
    }

    /// Ticks in (`after`, `until`], at most `limit` of them (the latest ones when more).
    public func ticks(after: Date, until: Date, limit: Int = 10_000) -> [Date] {
        if case let .every(interval) = timing {
            // Same bounds as `next`: after `start` less a millisecond, up to `end`.
            var lower = after
            if let start, lower < start { lower = start.addingTimeInterval(-0.001) }
            return interval.ticks(after: lower, until: end.map { min($0, until) } ?? until, limit: limit)
        }
        guard limit > 0 else { return [] }
        var out: [Date] = []
        var cursor = after
        while let t = next(after: cursor), t <= until, t > cursor {
            out.append(t)
            // Trimmed in batches: one `removeFirst` per tick is quadratic in `limit`.
            if out.count >= 2 * limit { out.removeFirst(out.count - limit) }
            cursor = t
        }
        return Array(out.suffix(limit))
    }
}

public enum ScheduleParser {
    /// Reads every `*.yml` in `directory`, sorted by name.
    /// - Throws: `SpecError` with all problems, each with file:line:col; one
    ///   naming the folder when it does not exist (a typo, not an empty folder).
    public static func loadDirectory(_ directory: String) throws -> [ScheduleSpec] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpecError(Diagnostic("no schedules folder at \(directory)", at: nil,
                                       hint: "pass the folder that holds the schedule files with --schedules DIR (default: schedules)"))
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
        var diagnostics: [Diagnostic] = []
        var schedules: [ScheduleSpec] = []
        for file in files {
            do { schedules.append(try load(path: "\(directory)/\(file)")) } catch let e as SpecError { diagnostics += e.diagnostics }
        }
        for (name, group) in Dictionary(grouping: schedules, by: \.name) where group.count > 1 {
            diagnostics.append(Diagnostic("two schedules are named `\(name)`: \(group.map(\.file).joined(separator: ", "))",
                                          at: SourceLocation(file: group[1].file, line: 1, column: 1), hint: "give one a different `name:`"))
        }
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        return schedules
    }

    /// The schedule called `name` in `directory`.
    /// - Throws: `SpecError` naming the folder and the nearest name when there is none.
    public static func named(_ name: String, in directory: String) throws -> ScheduleSpec {
        let specs = try loadDirectory(directory)
        if let spec = specs.first(where: { $0.name == name }) { return spec }
        let names = specs.map(\.name)
        let hint = KeySuggestion.nearest(to: name, among: names).map { "did you mean `\($0)`?" }
            ?? (names.isEmpty ? "the folder has no schedules" : "schedules: \(names.joined(separator: ", "))")
        throw SpecError(Diagnostic("no schedule `\(name)` in \(directory)", at: nil, hint: hint))
    }

    public static func load(path: String) throws -> ScheduleSpec {
        try parse(try SpecFile.read(path, what: "schedule"), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> ScheduleSpec {
        let root = try YAMLDocument.parse(text, file: file)
        var diagnostics: [Diagnostic] = []
        guard var r = MappingReader(root, context: "the schedule", diagnostics: &diagnostics) else { throw SpecError(diagnostics) }
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = r.string("name") ?? stem
        let directory = (file as NSString).deletingLastPathComponent
        let pipelineText = r.requiredString("pipeline", hint: "the pipeline file, relative to this file: pipeline: ../pipelines/marketing.yml")
        var pipeline = ""
        if let pipelineText {
            pipeline = pipelineText.hasPrefix("/") ? pipelineText
                : URL(fileURLWithPath: directory.isEmpty ? "." : directory).appendingPathComponent(pipelineText).standardizedFileURL.path
            if !FileManager.default.fileExists(atPath: pipeline) {
                r.report("pipeline file \(pipeline) does not exist", at: r.raw("pipeline")!.location, hint: "the path is relative to the schedule file")
            }
        }
        var timeZone = TimeZone(identifier: "UTC")!
        if let zone = r.string("timezone") {
            if let tz = TimeZone(identifier: zone) { timeZone = tz } else {
                r.report("unknown time zone `\(zone)`", at: r.raw("timezone")!.location, hint: "use an IANA name like Europe/Berlin or America/New_York")
            }
        }
        var timing: ScheduleSpec.Timing?
        var timingText = ""
        let cron = r.string("cron"), every = r.string("every")
        switch (cron, every) {
        case let (c?, nil):
            let at = r.location(of: "cron")
            do {
                let schedule = CronSchedule(try CronExpression(c), timeZone: timeZone)
                // The expression's days do occur (CronExpression checks), but a
                // wildcard job skips times in a spring-forward gap: one whose every
                // time is in a gap never fires. Looked for from now, as the scheduler would.
                if schedule.next(after: Date()) == nil {
                    r.report("`cron`: `\(c)` never fires within the next \(CronSchedule.horizonYears) years in \(timeZone.identifier): "
                             + "every time it names falls in a daylight-saving gap, which a job with a `*` minute or hour skips",
                             at: r.raw("cron")?.location ?? at, hint: "name an hour outside the gap, or use a fixed minute and hour")
                } else {
                    timing = .cron(schedule)
                    timingText = "cron \(c) (\(timeZone.identifier))"
                }
            } catch {
                r.report("`cron`: \(error)", at: r.raw("cron")?.location ?? at)
            }
        case let (nil, e?):
            let at = r.raw("every")?.location ?? r.location(of: "every")
            if let d = DurationText.parse(e), d > .zero {
                let interval = IntervalSchedule(interval: d)
                if interval.next(after: Date()) == nil {
                    r.report("`every: \(e)` never ticks: the first tick would come after the year 4000", at: at)
                } else {
                    timing = .every(interval)
                    timingText = "every \(e)"
                }
            } else {
                r.report("`every` must be a duration like 30s or 5m, found `\(e)`", at: at)
            }
        case (nil, nil):
            r.report("the schedule needs `cron:` or `every:`", at: root.location, hint: "e.g. cron: \"0 2 * * *\" or every: 30s")
        default:
            r.report("use `cron:` or `every:`, not both", at: r.location(of: "every"))
        }
        let params = Dictionary(r.stringMap("params") ?? [], uniquingKeysWith: { $1 })
        let select = r.stringList("select") ?? []
        var catchup = ScheduleSpec.Catchup.none
        if let raw = r.raw("catchup"), let text = raw.scalar {
            switch text.lowercased() {
            case "true", "yes": catchup = .all
            case "false", "no": catchup = .none
            default:
                if let n = Int(text), n >= 0 { catchup = n == 0 ? .none : .last(n) } else {
                    r.report("`catchup` must be true, false or a number of missed ticks, found `\(text)`", at: raw.location)
                }
            }
        }
        var overlap = ScheduleSpec.Overlap.skip
        if let text = r.string("overlap") {
            if let o = ScheduleSpec.Overlap(rawValue: text) { overlap = o } else {
                r.report("`overlap` must be skip, queue or allow, found `\(text)`", at: r.raw("overlap")!.location)
            }
        }
        let maxActive = r.int("max_active_runs", min: 1) ?? 1
        func instant(_ key: String) -> Date? {
            guard let text = r.string(key) else { return nil }
            if let d = try? Date(text, strategy: .iso8601) { return d }
            r.report("`\(key)` must be an ISO 8601 time like 2026-01-01T00:00:00Z, found `\(text)`", at: r.raw(key)!.location)
            return nil
        }
        let start = instant("start"), end = instant("end")
        let enabled = r.bool("enabled") ?? true
        let onFailure = r.raw("on_failure").flatMap { AlertSpec.read($0, diagnostics: &diagnostics) }
        _ = r.string("description")
        diagnostics += r.finish()
        guard diagnostics.isEmpty, let timing else { throw SpecError(diagnostics) }
        return ScheduleSpec(name: name, file: file, pipeline: pipeline, timing: timing, timingText: timingText, timeZone: timeZone,
                            params: params, select: select, catchup: catchup, overlap: overlap, maxActiveRuns: maxActive,
                            start: start, end: end, enabled: enabled, onFailure: onFailure)
    }
}
