import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The orch database could not be reached: where (never the password), why,
/// and what to do. Thrown within seconds, where the connection pool would
/// quietly retry a refused connection until its timeout.
public struct DatabaseUnreachable: Error, Sendable, Hashable, CustomStringConvertible {
    /// `host:port` and database, or the socket file: never the password.
    public var place: String
    public var reason: String
    /// What to do; the caller that knows where the URL came from words it.
    public var advice: String

    public init(_ url: DatabaseURL, reason: String, advice: String = "is the server running?") {
        place = url.isUnixSocket ? "\(url.host)/.s.PGSQL.\(url.port) (database \(url.database))"
                                 : "\(url.host):\(url.port) (database \(url.database))"
        self.reason = reason
        self.advice = advice
    }

    public var description: String { "cannot reach the orch database at \(place): \(reason); \(advice)" }
}

extension DatabaseURL {
    /// One connection, opened and closed, to learn at once what the pool
    /// would only report after its timeout. A connection-level failure
    /// (refused, no socket, unknown host) is tried again for `patience`,
    /// since a server may be starting; a rejected login or a missing
    /// database is final at once. A server that is busy (too many clients,
    /// starting up) or slow is left to the pool, which waits for it.
    /// - Throws: `DatabaseUnreachable`.
    public func probe(patience: Duration = .seconds(2), connectTimeout: Duration = .seconds(3)) async throws {
        var config = try connectionConfiguration()
        config.options.connectTimeout = .milliseconds(Int64(connectTimeout.components.seconds * 1000))
        var logger = Logger(label: "orch.probe")
        logger.logLevel = .critical
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                let connection = try await PostgresConnection.connect(configuration: config, id: 0, logger: logger)
                try? await connection.close()
                return
            } catch {
                switch Self.outcome(error) {
                case .wait:
                    return
                case let .rejected(reason):
                    throw DatabaseUnreachable(self, reason: reason)
                case let .unreachable(reason):
                    guard ContinuousClock.now < deadline else { throw DatabaseUnreachable(self, reason: reason) }
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
        }
    }

    /// One connection's configuration (the pool builds its own from `clientConfiguration`).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if isUnixSocket {
            return .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        return .init(host: host, port: port, username: user, password: password, database: database,
                     tls: requireTLS ? .require(try .init(configuration: .makeClientConfiguration())) : .disable)
    }

    /// What a failed probe means.
    enum ProbeOutcome: Equatable {
        /// Nobody answers there (refused, no socket file, unknown host): worth a short retry, then an error.
        case unreachable(String)
        /// The server said no for good (a login or database that does not work).
        case rejected(String)
        /// Busy, starting, slow or unclear: the pool's own wait decides.
        case wait
    }

    static func outcome(_ error: any Error) -> ProbeOutcome {
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo {
                let state = info[.sqlState] ?? ""
                // 28: invalid authorization; 3D000: no such database. Others (53300 too many clients, 57P03 starting) pass.
                return state.hasPrefix("28") || state == "3D000" ? .rejected(info[.message] ?? state) : .wait
            }
            return psql.underlying.map(outcome) ?? .wait
        }
        if let io = error as? IOError { return .unreachable(String(cString: strerror(io.errnoCode)).lowercased()) }
        if let connect = error as? NIOConnectionError {
            if let first = connect.connectionErrors.first { return outcome(first.error) }
            if connect.dnsAError != nil || connect.dnsAAAAError != nil { return .unreachable("unknown host \(connect.host)") }
            return .unreachable("no address for \(connect.host)")
        }
        return .wait
    }
}
