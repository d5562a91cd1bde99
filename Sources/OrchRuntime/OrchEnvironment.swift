import Foundation
import OrchExecution
import OrchSpec
import OrchStore
import OrchPostgres

/// Where orch keeps things and which database it uses, from the environment:
/// `ORCH_HOME` (default `./runs`) holds run folders and the embedded
/// cluster; `ORCH_DATABASE_URL`, when set, names the server to use instead.
public struct OrchEnvironment: Sendable {
    public var home: String
    public var databaseURL: String?
    public var variables: [String: String]
    /// How often a running run says it is alive (`ORCH_HEARTBEAT_INTERVAL`, default 10s).
    public var heartbeatInterval: Duration
    /// A run silent for longer is taken as crashed (`ORCH_HEARTBEAT_EXPIRY`, default 60s).
    public var heartbeatExpiry: Duration
    /// How long a run waits for an unreachable database before it stops (`ORCH_DB_OUTAGE_LIMIT`, default 5m).
    public var databaseOutageLimit: Duration
    /// Where OpenLineage events are POSTed besides `openlineage.jsonl` (`ORCH_OPENLINEAGE_URL`).
    public var openLineageURL: String?
    /// How long shell completion waits for the database before completing nothing (`ORCH_COMPLETION_LIMIT`, default 2s).
    public var completionLimit: Duration

    public init(variables: [String: String] = ProcessInfo.processInfo.environment,
                currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.variables = variables
        let home = variables["ORCH_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "runs"
        self.home = URL(fileURLWithPath: home, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true))
            .standardizedFileURL.path
        self.databaseURL = variables["ORCH_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        self.heartbeatInterval = variables["ORCH_HEARTBEAT_INTERVAL"].flatMap { DurationText.parse($0) } ?? .seconds(10)
        self.heartbeatExpiry = variables["ORCH_HEARTBEAT_EXPIRY"].flatMap { DurationText.parse($0) } ?? .seconds(60)
        self.databaseOutageLimit = variables["ORCH_DB_OUTAGE_LIMIT"].flatMap { DurationText.parse($0) } ?? .seconds(300)
        self.openLineageURL = variables["ORCH_OPENLINEAGE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        self.completionLimit = variables["ORCH_COMPLETION_LIMIT"].flatMap { DurationText.parse($0) } ?? .seconds(2)
    }

    public var embedded: EmbeddedPostgres { EmbeddedPostgres(configuration: .init(home: home)) }

    /// The database to use: `ORCH_DATABASE_URL`, or the embedded cluster (started if needed).
    public func database() async throws -> DatabaseURL {
        if let databaseURL { return try DatabaseURL(parsing: databaseURL) }
        return try await embedded.start()
    }

    /// Connects (starting the embedded cluster if needed), migrates, and runs `body`.
    public func withStore<T: Sendable>(_ body: @Sendable (Store) async throws -> T) async throws -> T {
        let url = try await database()
        do {
            return try await Store.with(url, body)
        } catch var unreachable as DatabaseUnreachable {
            unreachable.advice = unreachableAdvice
            throw unreachable
        }
    }

    /// What to do when the database does not answer: the embedded one can be
    /// started; a server named by ORCH_DATABASE_URL is not orch's to start.
    var unreachableAdvice: String {
        databaseURL == nil
            ? "the embedded database under \(home) is not answering; `orch db stop` then `orch db start` restarts it"
            : "it is the server ORCH_DATABASE_URL names: start it, or fix ORCH_DATABASE_URL (unset, orch uses its embedded database)"
    }

    /// `<home>/<pipeline>/<run-id>`.
    public func runDirectory(pipeline: String, runID: String) -> RunDirectory {
        RunDirectory(home: home, pipeline: pipeline, runID: runID)
    }
}
