import Foundation
import Testing
import OrchExecution
import OrchTestSupport
import OrchStore

/// A run's detail read while the run is being written: what it calls final
/// is final all the way down (a task read as succeeded has its last attempt
/// finished, with its tail; a finished run has only final tasks). `orch logs
/// -f` ended on a succeeded task whose attempt still read as running, and
/// never showed that attempt's stored lines. (The in-memory store reads
/// under one lock, and its reads never wait: a loop of them would only hold
/// a thread of the test process.)
@Suite("a run's detail read mid-run")
struct DetailConsistencyTests {
    @Test("final states read in a run's detail are final below them too, however the reads and writes interleave",
          arguments: [StoreUnderTest.postgres])
    func finalIsFinalBelow(_ kind: StoreUnderTest) async throws {
        try await kind.with { store, _ in
            let tasks = (0..<150).map { "t\($0)" }
            let info = Fixture.run("r-racing", tasks: tasks)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Fixture.record(info, in: store, states: tasks.map { _ in .succeeded }, finish: .succeeded)
                }
                var reads = 0, broken: [String] = []
                let deadline = ContinuousClock.now + .seconds(60)
                while broken.isEmpty && ContinuousClock.now < deadline {
                    reads += 1
                    guard let detail = try await store.detail(info.id) else { continue }
                    for task in detail.tasks where task.state.isFinal {
                        if task.attempts.last?.finishedAt == nil || task.attempts.last?.logTail == nil {
                            broken.append("\(task.taskID) is \(task.state) but its last attempt is not finished (read \(reads))")
                        }
                    }
                    if detail.run.status.isFinal {
                        broken += detail.tasks.filter { !$0.state.isFinal }.map { "run finished, \($0.taskID) is \($0.state)" }
                        break
                    }
                }
                #expect(broken.isEmpty, "\(broken.prefix(3))")
                try await group.waitForAll()
            }
        }
    }
}
