import Logging
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
    public func stoppable<T: Sendable>(_ operation: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard !isClosed else { throw PostgresFailure.connectionClosed }
        return try await abandonable(onStop: {
            let closing: EventLoopFuture<Void> = self.close()
            _ = closing
        }, abandonWhen: {
            // A query sent just before the client noticed the close is never answered nor failed: end it here.
            self.isClosed ? PostgresFailure.connectionClosed : nil
        }) {
            try await operation(self)
        }
    }
}

/// Runs `operation` in a task of its own and waits for it until it ends,
/// the caller is cancelled (`CancellationError`), `limit` passes
/// (`DeadlineExceeded`) or `abandonWhen` (asked every `checkEvery` while the
/// operation runs) returns an error, whichever is first; `onStop` runs on
/// a cancellation or the limit. For calls that may not honour cancellation
/// (PostgresNIO's): the caller always gets control back; an operation that
/// never ends is left behind, suspended, rather than holding the caller for ever.
/// - Parameter stopsOnCancel: false for orch's own bookkeeping, which must
///   still record a cancelled task's final state: only the limit ends it.
public func abandonable<T: Sendable>(limit: Duration? = nil, stopsOnCancel: Bool = true, onStop: @escaping @Sendable () -> Void = {},
                                     abandonWhen: (@Sendable () -> (any Error)?)? = nil, checkEvery: Duration = .milliseconds(200),
                                     _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    if stopsOnCancel { try Task.checkCancellation() }
    let outcome = OneShot<T>()
    let work = Task {
        do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
    }
    // One watcher for both the limit and the abandon check, so a call costs at most one extra task.
    let watcher: Task<Void, Never>? = limit == nil && abandonWhen == nil ? nil : Task {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while true {
            var nap = checkEvery
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero {
                    if outcome.finish(.failure(DeadlineExceeded(limit: limit ?? .zero))) {
                        onStop()
                        work.cancel()
                    }
                    return
                }
                nap = abandonWhen == nil ? left : min(nap, left)
            }
            guard (try? await Task.sleep(for: nap)) != nil else { return }
            if let error = abandonWhen?() {
                if outcome.finish(.failure(error)) { work.cancel() }
                return
            }
        }
    }
    defer { watcher?.cancel() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { outcome.install($0) }
    } onCancel: {
        if stopsOnCancel, outcome.finish(.failure(CancellationError())) {
            onStop()
            work.cancel()
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

    /// Returns whether this result was the first (the one the waiter gets).
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (first, waiting): (Bool, CheckedContinuation<T, any Error>?) = state.withLock { s in
            guard s.result == nil, !s.resumed else { return (false, nil) }
            s.result = result
            guard let c = s.continuation else { return (true, nil) }
            s.resumed = true
            s.continuation = nil
            return (true, c)
        }
        waiting?.resume(with: result)
        return first
    }
}

extension PostgresConnection {
    /// Sends `queries` in order and waits once for all their answers (each
    /// its rows or its error), stoppable like `stoppable`, without the task
    /// and timer that costs: the queries are written from the connection's
    /// event loop, where a closed connection is seen for certain (so none is
    /// written where it would never be answered), and their answers are
    /// gathered there, so a batch costs two thread hand-offs, not two per
    /// query. (PostgresNIO 1.33 still sends each query only once the one
    /// before is answered: a round trip each.) A stop closes the connection
    /// and returns `CancellationError`.
    /// - Throws: only for a stop or a connection already closed.
    public func answers(to queries: [PostgresQuery], logger: Logger) async throws -> [Result<PostgresQueryResult, any Error>] {
        try Task.checkCancellation()
        guard !isClosed else { throw PostgresFailure.connectionClosed }
        let outcome = OneShot<[Result<PostgresQueryResult, any Error>]>()
        let loop = eventLoop
        loop.execute {
            guard !self.isClosed else {
                outcome.finish(.failure(PostgresFailure.connectionClosed))
                return
            }
            let answers = queries.map { self.query($0, logger: logger) }
            EventLoopFuture.whenAllComplete(answers, on: loop).whenComplete { outcome.finish($0.mapError { $0 }) }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { outcome.install($0) }
        } onCancel: {
            if outcome.finish(.failure(CancellationError())) {
                let closing: EventLoopFuture<Void> = self.close()
                _ = closing
            }
        }
    }
}
