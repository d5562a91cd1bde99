import ArgumentParser
import Foundation
import OrchRuntime
import OrchStore
import OrchPostgres

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The orch database: migrate, url, psql, start, stop.",
        subcommands: [Migrate.self, URLCommand.self, PSQL.self, Start.self, Stop.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations.")
        func run() async throws {
            let url = try await OrchEnvironment().database()
            let (applied, version) = try await Store.with(url, migrate: false) { store in
                (try await store.migrate(), try await store.schemaVersion())
            }
            print(applied.isEmpty ? "schema is up to date (version \(version))"
                                  : "applied migrations \(applied.map(String.init).joined(separator: ", ")); schema version \(version)")
        }
    }

    struct URLCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "url", abstract: "Print the database URL (starts the embedded one if needed).")
        func run() async throws {
            print(try await OrchEnvironment().database().url(includePassword: false))
        }
    }

    struct PSQL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "psql", abstract: "Open psql on the orch database.")
        @Argument(parsing: .captureForPassthrough, help: "Extra psql arguments.")
        var arguments: [String] = []
        func run() async throws {
            let url = try await OrchEnvironment().database()
            if let password = url.password { setenv("PGPASSWORD", password, 1) }
            let argv = ["psql", url.url(includePassword: false)] + arguments
            let cArgs = argv.map { strdup($0) } + [nil]
            execvp("psql", cArgs)
            throw RunSetupError("could not start psql (\(String(cString: strerror(errno)))); install postgresql-client")
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the embedded database (orch starts it on demand anyway).")
        func run() async throws {
            let env = OrchEnvironment()
            guard env.databaseURL == nil else { throw RunSetupError("ORCH_DATABASE_URL is set: orch does not manage that server") }
            print("embedded PostgreSQL running: \(try await env.embedded.start())")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded database.")
        func run() async throws {
            let env = OrchEnvironment()
            guard env.databaseURL == nil else { throw RunSetupError("ORCH_DATABASE_URL is set: orch does not manage that server") }
            try await env.embedded.stop()
            print("embedded PostgreSQL stopped (\(env.embedded.dataDirectory))")
        }
    }
}
