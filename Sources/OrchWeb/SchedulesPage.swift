import Foundation
import Hummingbird
import OrchExecution
import OrchRuntime
import OrchSchedule
import OrchSpec
import OrchStore

/// `/schedules`: each schedule of the folder the server was given, its next
/// fire times in its own zone and in UTC, paused or disabled, the last
/// tick's error, and its last runs as coloured dots.
struct SchedulesPage {
    static let fires = 5, dots = 20
    let context: WebContext

    func render() async throws -> Response {
        let folder = context.schedulesDirectory
        let specs: [ScheduleSpec]
        do {
            specs = try ScheduleParser.loadDirectory(folder)
        } catch let error as SpecError {
            return Layout.page("Schedules", section: .schedules, "<h1>Schedules</h1><p>The schedules in <code>\(folder)</code> cannot be read:</p><pre>\(error.description)</pre>")
        }
        guard !specs.isEmpty else {
            return Layout.page("Schedules", section: .schedules, "<h1>Schedules</h1><p>No schedule in <code>\(folder)</code>.</p>")
        }
        let now = Date()
        var sections: [HTML] = []
        for s in specs {
            let store = context.store
            let paused = try await store.schedules.pause(schedule: s.name)?.paused == true
            let tick = try await store.schedules.latestTick(schedule: s.name)
            let recent = try await store.runs.list(RunFilter(trigger: TriggerMatch(kind: .schedule, name: s.name)), limit: Self.dots)
            var next: [Date] = []
            var after = now
            while s.enabled, !paused, next.count < Self.fires, let d = s.next(after: after) {
                next.append(d)
                after = d
            }
            let zone = TimeDisplay(timeZone: s.timeZone)
            let zoneName = s.timeZone.secondsFromGMT() == 0 && ["GMT", "UTC"].contains(s.timeZone.identifier) ? "UTC" : s.timeZone.identifier
            let fires = next.map { d -> HTML in "<tr><td>\(zone.withWeekday(d))</td><td>\(TimeDisplay.utc.format(d))</td></tr>" }
            let dots = recent.reversed().map { r -> HTML in
                "<a href=\"\(href: WebPath("run", r.id))\" title=\"\(r.id): \(r.status.rawValue), logical time \(context.time.format(r.logicalTime))\"><span class=\"s-\(r.status.rawValue)\"></span></a>"
            }
            let state: HTML = !s.enabled ? " \(Layout.badge("skipped")) disabled" : (paused ? " \(Layout.badge("pending")) paused" : .empty)
            sections.append("""
            <section class="schedule" id="schedule-\(WebPath.encode(s.name))"><h2>\(s.name)\(state)</h2>
            <p><code>\(s.timingText)</code> · pipeline <code>\(s.pipeline)</code> · zone \(zoneName)</p>
            <p class="dots">last runs (oldest first): \(dots.isEmpty ? "none yet" as HTML : dots.joined())</p>
            \(tick.flatMap { t in t.error.map { e -> HTML in "<p class=\"report\">the tick of \(context.time.format(t.logicalTime)) failed: \(e)</p>" } } ?? .empty)
            \(fires.isEmpty ? "<p class=\"muted\">No next fire\(paused ? " while paused" : (s.enabled ? "" : ": disabled")).</p>" as HTML :
                "<table class=\"fires\"><thead><tr><th>next fires (\(zoneName))</th><th>in UTC</th></tr></thead><tbody>\(fires)</tbody></table>")
            </section>
            """)
        }
        return Layout.page("Schedules", section: .schedules, "<h1>Schedules</h1><p class=\"muted\">from <code>\(folder)</code></p>\(sections)")
    }
}
