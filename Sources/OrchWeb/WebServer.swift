import Foundation
import Hummingbird
import Logging
import NIOCore
import OrchRuntime
import OrchStore

/// The read-only web view and `/metrics` on Hummingbird: `orch ui`, and
/// `orch scheduler --http-port` (pages and metrics) or `--metrics-port`
/// (metrics only). It binds to loopback unless told otherwise, and on any
/// other address refuses to start without a token.
public struct WebServer: Sendable {
    public struct Configuration: Sendable {
        public var listen: ListenAddress
        /// Required on every request when set (`ORCH_UI_TOKEN`); required to listen beyond loopback.
        public var token: String?
        /// false: `/metrics` only (`--metrics-port`).
        public var pages = true
        public var schedulesDirectory = "schedules"
        public var time = TimeDisplay.choose(utc: false)

        public init(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8787), token: String? = nil) {
            self.listen = listen
            self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        }

        /// Refuses an address beyond loopback without a token (before anything connects, so it is exit 2 even with the database down).
        /// - Throws: `WebSetupError`.
        public func check() throws {
            guard listen.isLoopback || token != nil else {
                throw WebSetupError("refusing to listen on \(listen) without a token: anyone who can reach it would read "
                                    + "every run, log and query; set ORCH_UI_TOKEN (a long random string, e.g. `openssl rand -hex 24`) "
                                    + "or listen on 127.0.0.1")
            }
        }
    }

    public let configuration: Configuration
    let context: WebContext

    /// - Throws: `WebSetupError` for a non-loopback address without a token.
    public init(configuration: Configuration, store: Store, environment: OrchEnvironment) throws {
        try configuration.check()
        self.configuration = configuration
        self.context = WebContext(store: store, environment: environment, schedulesDirectory: configuration.schedulesDirectory,
                                  time: configuration.time)
    }

    /// Serves until the task is cancelled; `onRunning` gets the bound port (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "orch"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: Self.logger
        )
        try await app.run()
    }

    /// Hummingbird's own lines (it says "server started" at info): warnings and worse only; orch prints its own address line.
    static let logger: Logger = {
        var logger = Logger(label: "orch.web")
        logger.logLevel = .warning
        return logger
    }()

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        if let token = configuration.token { router.add(middleware: TokenGate(token: token)) }
        MetricsRoute.add(to: router, context: context)
        if configuration.pages { WebPages(context: context).add(to: router) }
        return router
    }
}

/// What the pages read: the store, where runs and schedules are, how times show.
struct WebContext: Sendable {
    let store: Store
    let environment: OrchEnvironment
    let schedulesDirectory: String
    let time: TimeDisplay
}

/// `host:port`, `[v6]:port`, or a bare port (loopback).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// - Throws: `WebSetupError` naming what was wrong.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var host = "127.0.0.1", portText = trimmed
        if trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") {
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            portText = String(trimmed[trimmed.index(after: close)...]).drop { $0 == ":" }.description
        } else if let colon = trimmed.lastIndex(of: ":") {
            host = String(trimmed[..<colon])
            portText = String(trimmed[trimmed.index(after: colon)...])
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            throw WebSetupError("--listen must be HOST:PORT, like 127.0.0.1:8787 or 0.0.0.0:8787 (found `\(text)`)")
        }
        self.init(host: host, port: port)
    }

    /// Reachable from this machine only.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The web view could not start as asked (exit 2: what the user typed).
public struct WebSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Every request must carry the token: `Authorization: Bearer T` (curl,
/// Prometheus' `authorization` setting), the cookie a browser got by opening
/// `?token=T` once, or that query itself.
struct TokenGate<Context: RequestContext>: RouterMiddleware {
    static var cookieName: String { "orch_ui_token" }
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let bearer = request.headers[.authorization], bearer.hasPrefix("Bearer "), Self.same(String(bearer.dropFirst(7)), token) {
            return try await next(request, context)
        }
        if let cookie = request.cookies[Self.cookieName], Self.same(cookie.value, WebPath.encode(token)) {
            return try await next(request, context)
        }
        if let given = QueryParameters(request).get("token"), Self.same(given, token) {
            // Once, from a link: keep it in a cookie and drop it from the address bar (and from history).
            // Percent-encoded: a cookie value may not hold every character a token might.
            var headers = HTTPFields()
            headers[.location] = request.uri.path
            headers[.setCookie] = Cookie(name: Self.cookieName, value: WebPath.encode(token), path: "/", httpOnly: true, sameSite: .strict).description
            return Response(status: .seeOther, headers: headers)
        }
        return Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer realm=\"orch\""],
                        body: .init(byteBuffer: ByteBuffer(string: "401 unauthorized: this orch web view needs its token "
                                                           + "(Authorization: Bearer …, or open the page once with ?token=…)\n")))
    }

    /// Compares in time that does not depend on where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}
