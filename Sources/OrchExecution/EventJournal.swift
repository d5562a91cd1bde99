import OrchSpec

/// Delivers events to observers in order, off the executor's path: emitting
/// is a non-blocking append, and each observer has its own backlog and
/// consumer, which takes whatever has queued up as one batch. So a slow or
/// stalled store write (a database outage) never delays starting a task or
/// the console's progress lines, and a cancelled task can still have its
/// final state recorded.
public struct EventJournal: Sendable {
    private let queues: [(backlog: EventBacklog, observer: any RunObserver)]
    /// Applied to every event before any observer sees it: one place, so no
    /// sink (store, console, report, alert, lineage) can leak a secret, or be
    /// handed a NUL it cannot store.
    private let secrets: SecretMask

    public init(observers: [any RunObserver], secrets: SecretMask = .none) {
        self.secrets = secrets
        queues = observers.map { (EventBacklog(), $0) }
    }

    public func emit(_ event: RunEvent) {
        let event = event.storable(masking: secrets)
        for queue in queues {
            if queue.backlog.append(event) { queue.observer.queued(1) }
        }
    }

    /// No more events; `deliver` returns once every backlog is delivered.
    public func finish() {
        for queue in queues { queue.backlog.finish() }
    }

    /// Runs until `finish()` and every event before it is delivered to every observer.
    public func deliver() async {
        await withTaskGroup(of: Void.self) { group in
            for queue in queues {
                group.addTask {
                    let window = queue.observer.gatherWindow
                    while var batch = await queue.backlog.next() {
                        if window > .zero, !queue.backlog.isFinished {
                            // Gather what comes within the window (the run's end does not wait for it).
                            try? await Task.sleep(for: window)
                            batch += queue.backlog.takeQueued()
                        }
                        await queue.observer.observe(batch: batch)
                    }
                }
            }
        }
    }
}
