import Synchronization
import Testing
import OrchSpec

@Suite("RetryLoop: the one retry-with-backoff loop")
struct RetryLoopTests {
    struct Flaky: Error, Equatable { var n: Int }

    final class Counter: Sendable {
        let tries = Atomic(0)
        func next() -> Int { tries.add(1, ordering: .relaxed).newValue }
    }

    @Test("tries again until the operation returns, waiting a growing delay")
    func retriesUntilSuccess() async throws {
        let counter = Counter()
        let started = ContinuousClock.now
        let value = try await RetryLoop(firstDelay: .milliseconds(10), maxDelay: .milliseconds(40)).run { () -> String in
            let n = counter.next()
            if n < 4 { throw Flaky(n: n) }
            return "done"
        }
        #expect(value == "done")
        #expect(counter.tries.load(ordering: .relaxed) == 4)
        #expect(ContinuousClock.now - started >= .milliseconds(10 + 20 + 40), "waits 10, 20, then 40 (capped)")
    }

    @Test("an error retryIf refuses is thrown at once; the last error when the attempts run out")
    func refusalsAndLimit() async {
        let counter = Counter()
        await #expect(throws: Flaky(n: 1)) {
            try await RetryLoop(firstDelay: .milliseconds(1), maxDelay: .milliseconds(1)).run(retryIf: { _ in false }) { () -> Int in
                throw Flaky(n: counter.next())
            }
        }
        let limited = Counter()
        await #expect(throws: Flaky(n: 3)) {
            try await RetryLoop(firstDelay: .milliseconds(1), maxDelay: .milliseconds(1), attempts: 3).run { () -> Int in
                throw Flaky(n: limited.next())
            }
        }
    }
}
