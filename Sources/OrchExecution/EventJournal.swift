/// Delivers events to observers in order, off the executor's path: emitting
/// is a non-blocking append, and a single consumer (`deliver`) hands events to
/// observers one by one. So a slow store write never delays starting a task,
/// and a cancelled task can still have its final state recorded.
public struct EventJournal: Sendable {
    private let stream: AsyncStream<RunEvent>
    private let continuation: AsyncStream<RunEvent>.Continuation
    private let observers: [any RunObserver]

    public init(observers: [any RunObserver]) {
        (stream, continuation) = AsyncStream.makeStream(of: RunEvent.self, bufferingPolicy: .unbounded)
        self.observers = observers
    }

    public func emit(_ event: RunEvent) {
        continuation.yield(event)
    }

    /// No more events; `deliver` returns once the backlog is delivered.
    public func finish() {
        continuation.finish()
    }

    /// Runs until `finish()` and every event before it is delivered.
    public func deliver() async {
        for await event in stream {
            for observer in observers { await observer.observe(event) }
        }
    }
}
