import Foundation
import OrchStore
import OrchWarehouse
import OrchPostgres

/// A real PostgreSQL for tests: one throwaway cluster per test process
/// (initdb + pg_ctl on a Unix socket in a temp dir, as an unprivileged user
/// when root), and a fresh database per caller. Stopped when the process exits.
public enum TestDatabase {
    private static let cluster = ClusterHolder()

    /// A new, empty database on the shared test cluster.
    public static func fresh() async throws -> DatabaseURL {
        let admin = try await cluster.url()
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try await Store.with(admin, migrate: false) { store in
            try await store.warehouse.execute(script: "CREATE DATABASE \(name)", transaction: false)
        }
        var url = admin
        url.database = name
        return url
    }

    /// The folder of the shared cluster (its home), e.g. to find its server log.
    public static func home() async throws -> String {
        _ = try await cluster.url()
        return cluster.home
    }
}

private actor ClusterHolder {
    nonisolated let home = "/tmp/orch-test-\(getpid())"
    private var started: Task<DatabaseURL, any Error>?

    func url() async throws -> DatabaseURL {
        if let started { return try await started.value }
        let home = self.home
        let task = Task {
            var configuration = EmbeddedPostgres.Configuration(home: home)
            configuration.durable = false
            // Every suite at once, and the orch processes they start, each pooling up to 8 connections.
            configuration.maxConnections = 400
            let postgres = EmbeddedPostgres(configuration: configuration)
            let url = try await postgres.start()
            StopAtExit.register(dataDirectory: postgres.dataDirectory, home: home)
            return url
        }
        started = task
        return try await task.value
    }
}

/// Stops the test cluster when the test process ends (`atexit`), since
/// Swift Testing has no process-wide teardown.
private enum StopAtExit {
    nonisolated(unsafe) static var command: [String] = []

    static func register(dataDirectory: String, home: String) {
        let pgCtl = ["/usr/lib/postgresql/15/bin/pg_ctl", "/usr/local/bin/pg_ctl", "/usr/bin/pg_ctl"]
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "pg_ctl"
        var argv = [pgCtl, "stop", "-D", dataDirectory, "-m", "immediate"]
        if geteuid() == 0 { argv = ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv }
        command = argv + ["&&", "rm", "-rf", home]
        atexit {
            let line = StopAtExit.command.map { $0 == "&&" ? $0 : "'\($0)'" }.joined(separator: " ")
            _ = system(line + " >/dev/null 2>&1")
        }
    }
}
