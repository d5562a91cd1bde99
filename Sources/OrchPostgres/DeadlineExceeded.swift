import OrchSpec

/// A call that did not finish within its limit (see `abandonable`, the one
/// place such limits are enforced).
public struct DeadlineExceeded: Error, Sendable, Hashable, CustomStringConvertible {
    public var limit: Duration
    public init(limit: Duration) { self.limit = limit }
    public var description: String { "did not finish within \(DurationText.format(limit))" }
}
