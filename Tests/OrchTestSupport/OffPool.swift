import Foundation
import OrchSampleData
import Synchronization

/// Runs blocking or CPU-heavy synchronous work (a `waitUntilExit`, a blocking
/// `recv`, generating the sample data) on a thread of its own. Every suite runs
/// at once in one process, on Swift's cooperative pool of one thread per core
/// (two here): a test that holds those threads for seconds stalls every other
/// test's timers, queries and subprocess waits, and their time bounds fail.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

public func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

/// The sample data of the marketing pipeline, generated once per seed and
/// bad-row count for the whole test process, off the cooperative pool.
public enum SampleFixture {
    private struct Key: Hashable {
        var seed: UInt64
        var badRows: Int
    }

    private static let made = Mutex<[Key: Task<SampleData, Never>]>([:])

    public static func data(seed: UInt64 = 42, badRows: Int = 0) async -> SampleData {
        let task = made.withLock { made in
            if let task = made[Key(seed: seed, badRows: badRows)] { return task }
            let task = Task { await offPool { SampleData.generate(seed: seed, badRows: badRows) } }
            made[Key(seed: seed, badRows: badRows)] = task
            return task
        }
        return await task.value
    }

    /// Writes the CSV files into `directory` (created if needed).
    public static func write(to directory: String, seed: UInt64 = 42, badRows: Int = 0) async throws {
        let data = await data(seed: seed, badRows: badRows)
        try await offPool { try data.write(to: directory) }
    }
}
