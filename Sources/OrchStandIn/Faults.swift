/// Switchable misbehaviour of the stand-in API, to exercise retries and
/// error handling: server errors, slowness, broken JSON, rate limiting.
public struct Faults: Sendable, Hashable, Codable {
    /// Share of requests answered with 503.
    public var errorRate: Double = 0
    /// Added to every response.
    public var latencyMs: Int = 0
    /// Share of requests answered with a truncated JSON body.
    public var malformedRate: Double = 0
    /// Share of requests answered with 429 and `Retry-After`.
    public var rateLimitRate: Double = 0
    public var retryAfterSeconds: Int = 1
    /// At most this many faults are injected, then requests succeed (nil: no limit).
    public var budget: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case errorRate = "error_rate", latencyMs = "latency_ms", malformedRate = "malformed_rate"
        case rateLimitRate = "rate_limit_rate", retryAfterSeconds = "retry_after_seconds", budget
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        errorRate = try c.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0
        latencyMs = try c.decodeIfPresent(Int.self, forKey: .latencyMs) ?? 0
        malformedRate = try c.decodeIfPresent(Double.self, forKey: .malformedRate) ?? 0
        rateLimitRate = try c.decodeIfPresent(Double.self, forKey: .rateLimitRate) ?? 0
        retryAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? 1
        budget = try c.decodeIfPresent(Int.self, forKey: .budget)
    }
}
