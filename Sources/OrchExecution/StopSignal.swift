import Synchronization

/// A request to stop a run (Ctrl-C, SIGTERM, a scheduler shutting down).
/// Not task cancellation: the executor must stay able to record states while
/// it stops the work.
public final class StopSignal: Sendable {
    private struct State {
        var reason: String?
        var waiters: [Int: CheckedContinuation<String?, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Why the stop was requested, once it was.
    public var reason: String? { state.withLock { $0.reason } }

    /// Requests the stop; later requests are ignored.
    public func request(_ reason: String) {
        let waiters = state.withLock { s -> [CheckedContinuation<String?, Never>] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Waits for a stop request; returns nil if the waiting task is cancelled first.
    public func wait() async -> String? {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: String?? = state.withLock { s in
                    if let reason = s.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
