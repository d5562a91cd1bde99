import NIOCore
import PostgresNIO
import Synchronization

/// Two facts of PostgresNIO 1.33 that make a plain `connection.query` unsafe
/// for work with a deadline: a query written to a connection that has
/// already closed never completes (vapor/postgres-nio#487, reverted in #501),
/// and cancelling the calling task does not end a query in flight. So a
/// database restart could leave a task `running` for ever, and a timed-out
/// task's statements went on and committed. Every warehouse call goes
/// through `stoppable`, which fails at once on a closed connection and, when
/// its task is cancelled, returns `CancellationError` immediately and closes
/// the connection (the server then ends the statement at the next message
/// and rolls back the open transaction; the pool never hands it out again).
extension PostgresConnection {
    func stoppable<T: Sendable>(_ operation: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try Task.checkCancellation()
        guard !isClosed else { throw WarehouseError.connectionClosed }
        let outcome = OneShot<T>()
        let work = Task {
            do { outcome.finish(.success(try await operation(self))) } catch { outcome.finish(.failure(error)) }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { outcome.install($0) }
        } onCancel: {
            let closing: EventLoopFuture<Void> = self.close()
            _ = closing
            work.cancel()
            outcome.finish(.failure(CancellationError()))
        }
    }
}

/// A continuation resumed once, by whichever comes first: the result or a stop.
final class OneShot<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var resumed = false
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let ready: Result<T, any Error>? = state.withLock { s in
            if let result = s.result, !s.resumed {
                s.resumed = true
                return result
            }
            s.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    func finish(_ result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = state.withLock { s in
            guard s.result == nil, !s.resumed else { return nil }
            s.result = result
            guard let c = s.continuation else { return nil }
            s.resumed = true
            s.continuation = nil
            return c
        }
        waiting?.resume(with: result)
    }
}
