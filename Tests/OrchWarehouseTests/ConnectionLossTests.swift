import Foundation
import Testing
import OrchPostgres
import OrchTestSupport
@testable import OrchWarehouse

/// A connection that dies under a statement in flight (a server restart, an
/// administrator's `pg_terminate_backend`) must end that statement with a
/// connection error at once: PostgresNIO alone can leave it waiting for ever.
@Suite("warehouse calls whose connection dies in flight")
struct ConnectionLossTests {
    /// Runs `body` with the backend pid of its session; `kill` terminates that backend from another connection.
    static func outcome(_ body: @escaping @Sendable (WarehouseSession, _ kill: @escaping @Sendable () async -> Void) async throws -> Void)
        async throws -> (error: (any Error)?, seconds: Double) {
        let url = try await TestDatabase.fresh()
        return try await Warehouse.with(url) { warehouse in
            try await warehouse.execute(script: "DROP TABLE IF EXISTS lost; CREATE TABLE lost (v text)")
            let started = ContinuousClock.now
            var failure: (any Error)?
            do {
                // The test's own bound: a hang fails the test instead of blocking the suite.
                try await abandonable(limit: .seconds(30)) {
                    try await warehouse.withTransaction { session in
                        let pid = try await session.rows("SELECT pg_backend_pid()::text").first?.first ?? nil
                        try await body(session) {
                            try? await warehouse.execute(script: "SELECT pg_terminate_backend(\(pid ?? "0"))", transaction: false)
                        }
                    }
                }
            } catch {
                failure = error
            }
            let elapsed = ContinuousClock.now - started
            return (failure, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    @Test("COPY: the backend is terminated while rows stream in; the COPY fails as a lost connection, it does not hang")
    func copy() async throws {
        let (error, seconds) = try await Self.outcome { session, kill in
            let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
            continuation.yield(Array("a\n".utf8))
            let producer = Task {
                try? await Task.sleep(for: .milliseconds(300))
                await kill()
                try? await Task.sleep(for: .milliseconds(300))
                continuation.yield(Array("b\n".utf8))
                continuation.finish()
            }
            defer { producer.cancel() }
            try await session.copy(schema: "public", table: "lost", columns: ["v"], stream: stream)
        }
        #expect(!(error is DeadlineExceeded), "the COPY hung on the dead connection")
        #expect((error as? WarehouseError)?.isConnectionProblem == true, "got \(String(describing: error))")
        #expect(seconds < 10)
    }

    @Test("COPY: more rows arrive after the connection has closed; the COPY fails as a lost connection, orch does not crash")
    func copyAfterClose() async throws {
        let (error, seconds) = try await Self.outcome { session, kill in
            let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
            continuation.yield(Array("a\n".utf8))
            let producer = Task {
                try? await Task.sleep(for: .milliseconds(200))
                await kill()
                // The next rows come only once the client has seen the connection close (PostgresNIO crashed here).
                let deadline = ContinuousClock.now + .seconds(10)
                while !session.isClosed && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
                continuation.yield(Array("b\n".utf8))
                continuation.finish()
            }
            defer { producer.cancel() }
            try await session.copy(schema: "public", table: "lost", columns: ["v"], stream: stream)
        }
        #expect((error as? WarehouseError)?.isConnectionProblem == true, "got \(String(describing: error))")
        #expect(seconds < 10)
    }

    @Test("a query in flight: pg_sleep's backend is terminated; the query fails as a lost connection")
    func query() async throws {
        let (error, seconds) = try await Self.outcome { session, kill in
            let killer = Task {
                try? await Task.sleep(for: .milliseconds(300))
                await kill()
            }
            defer { killer.cancel() }
            try await session.execute("SELECT pg_sleep(20)")
        }
        #expect(!(error is DeadlineExceeded), "the query hung on the dead connection")
        #expect((error as? WarehouseError)?.isConnectionProblem == true, "got \(String(describing: error))")
        #expect(seconds < 10)
    }
}
