/// How a task is retried: how many times, how long to wait, how the wait grows.
public struct RetryPolicy: Sendable, Hashable {
    public enum Backoff: String, Sendable, Hashable, CaseIterable {
        case fixed, exponential
    }

    /// Retries after the first attempt: `retries: 2` allows three attempts.
    public var retries: Int = 0
    public var delay: Duration = .seconds(1)
    public var backoff: Backoff = .exponential
    public var maxDelay: Duration = .seconds(300)
    /// Full jitter: each wait is uniform in [0, computed delay], so that many
    /// failing tasks do not retry in lockstep.
    public var jitter: Bool = true

    public init() {}

    public var maxAttempts: Int { retries + 1 }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed.
    /// - Parameter random: a value in [0, 1) used for jitter (injected so tests are exact).
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let base = delay.seconds
        let grown: Double
        switch backoff {
        case .fixed: grown = base
        case .exponential: grown = base * pow2(attempt - 1)
        }
        let capped = min(grown, maxDelay.seconds)
        let seconds = jitter ? capped * random : capped
        return Duration(clampedSeconds: seconds)
    }

    private func pow2(_ n: Int) -> Double {
        n >= 62 ? Double.greatestFiniteMagnitude : Double(1 << max(0, n))
    }
}
