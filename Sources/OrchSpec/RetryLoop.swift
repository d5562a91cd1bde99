/// The one loop that tries an operation again after a wait that grows:
/// orch's own bookkeeping while the database is away, alert deliveries.
/// (A task's retries are the executor's, by `RetryPolicy`.)
public struct RetryLoop: Sendable {
    public var firstDelay: Duration
    public var maxDelay: Duration
    /// Growth of the wait per try: 2 doubles it, 1 keeps it fixed.
    public var factor: Int
    /// Tries in all, when limited.
    public var attempts: Int?

    public init(firstDelay: Duration, maxDelay: Duration, factor: Int = 2, attempts: Int? = nil) {
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.factor = max(1, factor)
        self.attempts = attempts.map { max(1, $0) }
    }

    /// Runs `operation` until it returns; an error `retryIf` refuses is thrown
    /// as it is, and so is the last one when the attempts run out. The waits
    /// end early when the calling task is cancelled (the next try then decides).
    public func run<T>(retryIf: (any Error) -> Bool = { _ in true }, _ operation: () async throws -> T) async throws -> T {
        var delay = firstDelay
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch {
                if let attempts, attempt >= attempts { throw error }
                guard retryIf(error) else { throw error }
                try? await Task.sleep(for: delay)
                delay = min(delay * factor, maxDelay)
                attempt += 1
            }
        }
    }
}
