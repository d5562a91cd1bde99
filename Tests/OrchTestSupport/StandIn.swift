import Foundation
import OrchStandIn

/// Runs the stand-in API in this process on a free 127.0.0.1 port for the
/// duration of `body` (a real HTTP server, reached over loopback).
public func withStandIn<T: Sendable>(faults: Faults = Faults(), seed: UInt64 = 1,
                                     _ body: @Sendable (_ baseURL: String, _ feed: MarketFeed) async throws -> T) async throws -> T {
    var configuration = StandInServer.Configuration()
    configuration.port = 0
    configuration.seed = seed
    configuration.faults = faults
    let server = StandInServer(configuration: configuration)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await server.run { port in continuation.yield(port) }
            return nil
        }
        var port = 0
        for await p in ports { port = p; break }
        defer { group.cancelAll() }
        return try await body("http://127.0.0.1:\(port)", server.feed)
    }
}
