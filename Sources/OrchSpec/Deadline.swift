/// The one timeout race: `operation` against a sleep of `limit`. The loser is
/// cancelled and awaited (structured), so an operation that honours
/// cancellation is really stopped when the limit passes.
public struct DeadlineExceeded: Error, Sendable, Hashable, CustomStringConvertible {
    public var limit: Duration
    public init(limit: Duration) { self.limit = limit }
    public var description: String { "did not finish within \(DurationText.format(limit))" }
}

/// Runs `operation`, throwing `DeadlineExceeded` if it takes longer than `limit`.
public func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(limit: limit) }
        return value
    }
}
