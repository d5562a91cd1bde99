import ArgumentParser
import Foundation
import OrchRuntime
import OrchWeb

struct UICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Serve the read-only web view (runs, DAG, timeline, report, tests, lineage, schedules, segments, catalog, ask) and /metrics.",
        discussion: """
        Binds to 127.0.0.1 unless --listen names another address; then ORCH_UI_TOKEN must be set, and every request must \
        carry it (Authorization: Bearer TOKEN, or open a page once with ?token=TOKEN). Pages only read the store.
        """
    )

    @Option(help: "HOST:PORT to listen on (port 0 picks a free one).") var listen = "127.0.0.1:8787"
    @Option(help: "The schedules folder the Schedules page shows.") var schedules = "schedules"
    @Flag(help: "Show times in UTC instead of local time.") var utc = false

    func run() async throws {
        var configuration = WebServer.Configuration(listen: try ListenAddress(parsing: listen),
                                                    token: ProcessInfo.processInfo.environment["ORCH_UI_TOKEN"])
        configuration.schedulesDirectory = URL(fileURLWithPath: schedules).standardizedFileURL.path
        configuration.time = TimeDisplay.choose(utc: utc)
        try configuration.check()
        MetricsExport.bootstrap() // /metrics: orch's recording through the Prometheus registry
        let environment = OrchEnvironment()
        try await environment.withStore { [configuration] store in
            let server = try WebServer(configuration: configuration, store: store, environment: environment)
            try await server.run { port in
                let host = configuration.listen.host.contains(":") ? "[\(configuration.listen.host)]" : configuration.listen.host
                printError("orch ui: serving http://\(host):\(port)/ (Ctrl-C stops)")
            }
        }
    }
}
