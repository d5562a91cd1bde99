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
    /// since a server may be starting; an answer from the server (a
    /// rejected login, a missing database) is final at once.
    /// - Throws: `DatabaseUnreachable`.
    public func probe(patience: Duration = .seconds(2), connectTimeout: Duration = .seconds(3)) async throws {
        var config: PostgresConnection.Configuration
        if isUnixSocket {
            config = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            config = .init(host: host, port: port, username: user, password: password, database: database,
                           tls: requireTLS ? .require(try .init(configuration: .makeClientConfiguration())) : .disable)
        }
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
                let (reason, final) = Self.reason(error)
                if final || ContinuousClock.now >= deadline { throw DatabaseUnreachable(self, reason: reason) }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Why a connection failed, in words, and whether trying again is pointless.
    static func reason(_ error: any Error) -> (String, final: Bool) {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return (message, true) }
            if let underlying = psql.underlying { return reason(underlying) }
            return ("\(psql.code)", false)
        }
        if let io = error as? IOError { return (String(cString: strerror(io.errnoCode)).lowercased(), false) }
        if let connect = error as? NIOConnectionError {
            if let first = connect.connectionErrors.first { return reason(first.error) }
            if connect.dnsAError != nil || connect.dnsAAAAError != nil { return ("unknown host \(connect.host)", false) }
            return ("no address for \(connect.host)", false)
        }
        if let channel = error as? ChannelError, case let .connectTimeout(limit) = channel {
            return ("no answer within \(limit.nanoseconds / 1_000_000) ms", true)
        }
        return (String(describing: error), false)
    }
}
