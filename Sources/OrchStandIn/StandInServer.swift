import Foundation
import Hummingbird
import NIOCore

/// A local stand-in for CoinGecko and NewsAPI on 127.0.0.1, with the real
/// paths and payload shapes, and switchable faults (`POST /_faults`).
public struct StandInServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (reported through `onRunning`).
        public var port = 8099
        public var seed: UInt64 = 1
        public var faults = Faults()
        public init() {}
    }

    public let configuration: Configuration
    public let feed: MarketFeed

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.feed = MarketFeed(seed: configuration.seed, faults: configuration.faults)
    }

    /// Serves until the task is cancelled; `onRunning` gets the bound port.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "orch-standin"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }
        )
        try await app.run()
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let feed = self.feed
        router.get("/health") { _, _ in "ok" }
        router.get("/_faults") { _, _ in try json(JSONEncoder().encode(await feed.currentFaults())) }
        router.post("/_faults") { request, context in
            let faults = try await request.decode(as: Faults.self, context: context)
            await feed.setFaults(faults)
            return try json(JSONEncoder().encode(faults))
        }
        router.post("/_alerts") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            await feed.receiveAlert(String(buffer: body))
            return jsonResponse(.ok, ["ok": true])
        }
        router.get("/_alerts") { _, _ in
            let alerts = await feed.alerts
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "[" + alerts.joined(separator: ",") + "]")))
        }
        router.get("/api/v3/simple/price") { request, _ in
            if let failure = await fault(feed) { return failure }
            let q = request.uri.queryParameters
            guard let ids = q.get("ids"), let currencies = q.get("vs_currencies") else {
                return jsonResponse(.badRequest, ["error": "missing 'ids' or 'vs_currencies'"])
            }
            let prices = await feed.simplePrice(ids: ids.split(separator: ",").map(String.init),
                                                currencies: currencies.split(separator: ",").map(String.init),
                                                includeChange: q.get("include_24hr_change") == "true")
            return jsonResponse(.ok, prices)
        }
        router.get("/v2/top-headlines") { request, _ in
            let q = request.uri.queryParameters
            guard let key = q.get("apiKey") ?? request.headers[.init("X-Api-Key")!], !key.isEmpty else {
                return jsonResponse(.unauthorized, ["status": "error", "code": "apiKeyMissing",
                                                    "message": "Your API key is missing. Append it to the request with the apiKey param."])
            }
            if let failure = await fault(feed) { return failure }
            let size = q.get("pageSize").flatMap(Int.init) ?? 20
            let iso = ISO8601DateFormatter()
            let articles = await feed.topHeadlines(pageSize: size).map { a -> [String: Any] in
                ["source": ["id": a.sourceID as Any, "name": a.source], "author": a.author, "title": a.title,
                 "description": a.description, "url": a.url, "urlToImage": NSNull(),
                 "publishedAt": iso.string(from: a.publishedAt), "content": a.description]
            }
            return jsonResponse(.ok, ["status": "ok", "totalResults": articles.count, "articles": articles])
        }
        return router
    }
}

private func fault(_ feed: MarketFeed) async -> Response? {
    let latency = await feed.latency
    if latency > .zero { try? await Task.sleep(for: latency) }
    switch await feed.nextFault() {
    case .none: return nil
    case .serverError:
        return jsonResponse(.serviceUnavailable, ["status": "error", "message": "stand-in: injected server error"])
    case .malformed:
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: "{\"bitcoin\": {\"usd\": 670")))
    case let .rateLimited(seconds):
        var response = jsonResponse(.tooManyRequests, ["status": "error", "code": "rateLimited", "message": "slow down"])
        response.headers[.retryAfter] = String(seconds)
        return response
    }
}

private func jsonResponse(_ status: HTTPResponse.Status, _ object: Any) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

private func json(_ data: Data) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
