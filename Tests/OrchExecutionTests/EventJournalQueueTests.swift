import Foundation
import Synchronization
import Testing
@testable import OrchExecution

/// What an observer is told of its queue: every event queued for it, while
/// it is busy with an earlier batch too (a store in an outage), once each.
@Suite("event journal: queue depth")
struct EventJournalQueueTests {
    final class SlowObserver: RunObserver {
        let queuedCount = Mutex(0), delivered = Mutex(0)
        let gate: AsyncStream<Void>
        let open: AsyncStream<Void>.Continuation
        init() { (gate, open) = AsyncStream<Void>.makeStream() }

        func queued(_ count: Int) { queuedCount.withLock { $0 += count } }
        func observe(_ event: RunEvent) async {}
        func observe(batch: [RunEvent]) async {
            // The first batch waits until the test opens the gate: events pile up behind it.
            if delivered.withLock({ $0 }) == 0 { for await _ in gate { break } }
            delivered.withLock { $0 += batch.count }
        }
    }

    @Test("events queued behind a stalled write are counted as queued before they are delivered; none after finish")
    func queuedWhileBusy() async throws {
        let observer = SlowObserver()
        let journal = EventJournal(observers: [observer])
        let event = RunEvent.taskStateChanged(task: "t", state: .running, at: Date(), message: nil)
        async let delivery: Void = journal.deliver()
        journal.emit(event)
        try await Task.sleep(for: .milliseconds(50))  // the first batch is now stuck at the gate
        for _ in 0..<9 { journal.emit(event) }
        #expect(observer.queuedCount.withLock { $0 } == 10)
        #expect(observer.delivered.withLock { $0 } == 0)
        observer.open.yield()
        journal.finish()
        journal.emit(event)  // after finish: neither queued nor counted
        await delivery
        #expect(observer.delivered.withLock { $0 } == 10)
        #expect(observer.queuedCount.withLock { $0 } == 10)
    }
}
