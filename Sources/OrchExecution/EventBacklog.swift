import Synchronization

/// One observer's queue of events not yet delivered. Appending never blocks
/// (the executor's path); the consumer takes everything queued so far in one
/// batch. So a store that writes one batch per transaction commits as often
/// as it can keep up and no more often: group commit, with no timer.
final class EventBacklog: Sendable {
    private struct State {
        var events: [RunEvent] = []
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Queues `event`; false (and nothing queued) once `finish` was called.
    @discardableResult
    func append(_ event: RunEvent) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.finished else { return (false, nil) }
            state.events.append(event)
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// No more events: `next` returns what is left, then nil.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether `finish` was called.
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Every event queued so far, without waiting (maybe none).
    func takeQueued() -> [RunEvent] {
        state.withLock { state in
            defer { state.events.removeAll(keepingCapacity: true) }
            return state.events
        }
    }

    /// Every event queued since the last call (waiting for one if there is
    /// none), in order; nil once finished and drained.
    func next() async -> [RunEvent]? {
        while true {
            let taken = state.withLock { state -> [RunEvent]?? in
                if !state.events.isEmpty {
                    defer { state.events.removeAll(keepingCapacity: true) }
                    return .some(state.events)
                }
                return state.finished ? .some(nil) : .none
            }
            if let taken { return taken }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.events.isEmpty || state.finished { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}
