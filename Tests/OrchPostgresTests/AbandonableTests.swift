import Synchronization
import Testing
@testable import OrchPostgres

/// `abandonable`, the one timeout race: the caller always gets control back.
@Suite("abandonable: the one bounded wait", .timeLimit(.minutes(1)))
struct AbandonableTests {
    @Test("a quick operation returns its value and never stops")
    func quick() async throws {
        let stopped = Atomic(false)
        let value = try await abandonable(limit: .seconds(10), onStop: { stopped.store(true, ordering: .relaxed) }) { 42 }
        #expect(value == 42)
        let wasStopped = stopped.load(ordering: .relaxed)
        #expect(!wasStopped)
    }

    @Test("an operation that ignores cancellation is abandoned at the limit with DeadlineExceeded")
    func limit() async throws {
        let stopped = Atomic(false)
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded(limit: .milliseconds(100))) {
            try await abandonable(limit: .milliseconds(100), onStop: { stopped.store(true, ordering: .relaxed) }) {
                // Sleeps on regardless of cancellation, as a query on a dead connection does.
                try? await Task.sleep(for: .seconds(5))
                return 0
            }
        }
        #expect(ContinuousClock.now - started < .seconds(4))
        let wasStopped = stopped.load(ordering: .relaxed)
        #expect(wasStopped)
    }

    @Test("the caller's cancellation ends the wait at once (CancellationError), unless told to wait for the limit")
    func cancellation() async throws {
        let waiting = Task {
            try await abandonable { () -> Int in
                try? await Task.sleep(for: .seconds(5))
                return 0
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }

        let bookkeeping = Task {
            try await abandonable(limit: .seconds(5), stopsOnCancel: false) { () -> Int in
                try await Task.sleep(for: .milliseconds(200))
                return 7
            }
        }
        bookkeeping.cancel()
        #expect(try await bookkeeping.value == 7)
    }

    @Test("an operation's own error comes back as it was")
    func failure() async {
        struct Broken: Error, Equatable {}
        await #expect(throws: Broken()) { try await abandonable(limit: .seconds(5)) { () -> Int in throw Broken() } }
    }

    @Test("abandonWhen ends a wait that would never end (a query on a connection found closed), with its error, well before the limit")
    func abandoned() async throws {
        struct Gone: Error, Equatable {}
        final class Flag: Sendable { let raised = Atomic(false) }
        let closed = Flag()
        let started = ContinuousClock.now
        let flipper = Task {
            try? await Task.sleep(for: .milliseconds(100))
            closed.raised.store(true, ordering: .relaxed)
        }
        defer { flipper.cancel() }
        await #expect(throws: Gone()) {
            try await abandonable(limit: .seconds(30), abandonWhen: { closed.raised.load(ordering: .relaxed) ? Gone() : nil },
                                  checkEvery: .milliseconds(20)) { () -> Int in
                try? await Task.sleep(for: .seconds(20))
                return 0
            }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        // Not closed: the operation's own result, the check never fires.
        let value = try await abandonable(abandonWhen: { nil }, checkEvery: .milliseconds(10)) { () -> Int in
            try await Task.sleep(for: .milliseconds(60))
            return 5
        }
        #expect(value == 5)
    }
}
