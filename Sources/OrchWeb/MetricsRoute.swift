import Foundation
import Hummingbird
import NIOCore
import OrchRuntime
import OrchSchedule

/// `/metrics`: the Prometheus text format. What happened (runs, tasks,
/// fires, writes) is counted as it happens; the ages (last success per
/// schedule, heartbeats of running runs) are read from the store at each
/// scrape, so they are as of the scrape.
enum MetricsRoute {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func add(to router: Router<BasicRequestContext>, context: WebContext) {
        router.get("/metrics") { _, _ in
            await OrchMetrics.refresh(store: context.store, schedules: scheduleNames(in: context.schedulesDirectory))
            var body = ByteBuffer()
            body.writeBytes(MetricsExport.render())
            return Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-store"], body: .init(byteBuffer: body))
        }
    }

    /// The schedules in the folder, as the scheduler reads them; none when it is missing or invalid
    /// (a scrape never fails for it: the scheduler keeps its previous schedules then, too).
    static func scheduleNames(in directory: String) -> [String] {
        ((try? ScheduleParser.loadDirectory(directory)) ?? []).map(\.name)
    }
}
