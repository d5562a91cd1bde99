import Foundation
import PostgresNIO

/// Where the orch database is: parsed from `ORCH_DATABASE_URL`
/// (`postgres://user:pass@host:5432/db`, or `postgres:///db?host=/socket/dir&user=u`).
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var database: String
    /// A TCP host, or a socket directory when it starts with `/`.
    public var host: String
    public var port: Int
    public var requireTLS: Bool

    public init(user: String, password: String? = nil, database: String, host: String, port: Int = 5432,
                requireTLS: Bool = false) {
        self.user = user
        self.password = password
        self.database = database
        self.host = host
        self.port = port
        self.requireTLS = requireTLS
    }

    /// - Throws: `PostgresSetupError` that says what shape is expected.
    public init(parsing text: String) throws {
        guard let c = URLComponents(string: text), ["postgres", "postgresql"].contains(c.scheme ?? "") else {
            throw PostgresSetupError.badURL("expected postgres://user:password@host:5432/database, got something else")
        }
        let query = Dictionary((c.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        user = c.user ?? query["user"] ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        password = c.password ?? query["password"]
        let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = path.isEmpty ? (query["dbname"] ?? user) : path
        let h = c.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"] ?? "/var/run/postgresql"
        host = h.removingPercentEncoding ?? h
        port = c.port ?? query["port"].flatMap(Int.init) ?? 5432
        requireTLS = ["require", "verify-ca", "verify-full"].contains(query["sslmode"] ?? "")
    }

    public var isUnixSocket: Bool { host.hasPrefix("/") }

    /// The URL to give to psql and other clients.
    public var description: String { url(includePassword: false) }

    public func url(includePassword: Bool) -> String {
        let credentials = user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? user
        let secret = includePassword ? password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? "" : (password == nil ? "" : ":***")
        if isUnixSocket {
            return "postgresql://\(credentials)\(secret)@/\(database)?host=\(host)&port=\(port)"
        }
        return "postgresql://\(credentials)\(secret)@\(host):\(port)/\(database)"
    }

    public var clientConfiguration: PostgresClient.Configuration {
        var config: PostgresClient.Configuration
        if isUnixSocket {
            config = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            config = .init(host: host, port: port, username: user, password: password, database: database,
                           tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        }
        config.options.minimumConnections = 0
        config.options.maximumConnections = 8
        config.options.connectTimeout = .seconds(5)
        config.options.keepAliveBehavior = nil
        return config
    }
}
