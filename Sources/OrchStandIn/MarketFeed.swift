import Foundation
import OrchSampleData
import OrchRandom

/// The stand-in's data: a seeded random walk for the price and a growing
/// feed of generated business headlines. Shared by all requests.
public actor MarketFeed {
    public enum Fault: Sendable, Equatable { case none, serverError, malformed, rateLimited(Int) }

    private var rng: SeededRandom
    private var faults: Faults
    private var price: Double = 67_012.5
    private var openPrice: Double = 67_012.5
    private var articles: [Article] = []
    private var clock: Date
    public private(set) var requests = 0
    /// Bodies POSTed to `/_alerts` (the stand-in doubles as a chat webhook for demos and tests).
    public private(set) var alerts: [String] = []

    public func receiveAlert(_ body: String) { alerts.append(body) }

    public struct Article: Sendable {
        var sourceID: String?
        var source: String
        var author: String
        var title: String
        var description: String
        var url: String
        var publishedAt: Date
    }

    public init(seed: UInt64 = 1, faults: Faults = Faults(), start: Date = Date().addingTimeInterval(-4 * 3600)) {
        rng = SeededRandom(seed: seed)
        self.faults = faults
        var clock = start
        var articles: [Article] = []
        for n in 1...20 { articles.append(Self.article(&rng, clock: &clock, number: n)) }
        self.clock = clock
        self.articles = articles
    }

    public func setFaults(_ faults: Faults) { self.faults = faults }
    public func currentFaults() -> Faults { faults }

    /// Decides whether this request misbehaves (counted, deterministic for a seed).
    public func nextFault() -> Fault {
        requests += 1
        let u = rng.unit()
        if let budget = faults.budget {
            guard budget > 0 else { return .none }
            if u < faults.errorRate + faults.rateLimitRate + faults.malformedRate { faults.budget = budget - 1 }
        }
        if u < faults.errorRate { return .serverError }
        if u < faults.errorRate + faults.rateLimitRate { return .rateLimited(faults.retryAfterSeconds) }
        if u < faults.errorRate + faults.rateLimitRate + faults.malformedRate { return .malformed }
        return .none
    }

    public var latency: Duration { .milliseconds(faults.latencyMs) }

    /// CoinGecko's `simple/price` for the ids it knows (bitcoin, ethereum).
    public func simplePrice(ids: [String], currencies: [String], includeChange: Bool) -> [String: [String: Double]] {
        // Geometric random walk: small steps, rare jumps.
        let step = rng.normal() * 0.004 + (rng.unit() < 0.02 ? rng.normal() * 0.03 : 0)
        price = max(1_000, price * (1 + step))
        let change = (price / openPrice - 1) * 100
        var out: [String: [String: Double]] = [:]
        for id in ids {
            let base: Double
            switch id {
            case "bitcoin": base = price
            case "ethereum": base = price / 19.3
            default: continue
            }
            var quote: [String: Double] = [:]
            for currency in currencies where currency == "usd" || currency == "eur" {
                let v = currency == "usd" ? base : base * 0.92
                quote[currency] = (v * 100).rounded() / 100
                if includeChange { quote["\(currency)_24h_change"] = (change * 100).rounded() / 100 }
            }
            out[id] = quote
        }
        return out
    }

    /// NewsAPI's `top-headlines`: the newest `pageSize` articles. Each call
    /// publishes 0–2 new ones, so consecutive polls overlap (as the real API does).
    public func topHeadlines(pageSize: Int) -> [Article] {
        for _ in 0..<rng.int(0...2) { publish() }
        return Array(articles.suffix(max(1, min(pageSize, 100))).reversed())
    }

    private func publish() {
        articles.append(Self.article(&rng, clock: &clock, number: articles.count + 1))
    }

    private static func article(_ rng: inout SeededRandom, clock: inout Date, number n: Int) -> Article {
        clock = clock.addingTimeInterval(Double(rng.int(20...400)))
        let h = Headlines.make(&rng, number: n)
        return Article(sourceID: h.sourceID, source: h.source, author: h.author, title: h.title,
                       description: h.description, url: "https://news.example.com/business/\(h.slug)-\(n)",
                       publishedAt: clock)
    }
}
