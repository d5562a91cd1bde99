import Foundation
import Hummingbird
import NIOCore

/// A real HTTP server on 127.0.0.1 that answers the way a broken or hostile
/// API does, for fault tests. Each path is one behaviour:
///
/// - `/retry-after/TEXT`: HTTP 429 with `Retry-After: TEXT` (e.g. `nan`, `inf`, `1e16`)
/// - `/huge`: 200 with a body of 64 MiB, sent in chunks
/// - `/drip`: 200 that sends one byte every 200 ms, for ever
/// - `/rows?body=JSON`: 200 with the given JSON body (URL-encoded), to feed exact values
public func withHostileServer<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
    let router = Router()
    router.get("/retry-after/:text") { _, context in
        let text = context.parameters.get("text") ?? ""
        return Response(status: .tooManyRequests, headers: [.retryAfter: text, .contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"slow down\"}")))
    }
    router.get("/huge") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init { writer in
            let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 1 << 20)
            for _ in 0..<64 { try await writer.write(chunk) }
            try await writer.finish(nil)
        })
    }
    router.get("/drip") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init { writer in
            while !Task.isCancelled {
                try await writer.write(ByteBuffer(string: " "))
                try await Task.sleep(for: .milliseconds(200))
            }
            try await writer.finish(nil)
        })
    }
    router.get("/rows") { request, _ in
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: request.uri.queryParameters.get("body") ?? "[]")))
    }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "hostile"),
                          onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await app.runService()
            return nil
        }
        var port = 0
        for await p in ports { port = p; break }
        defer { group.cancelAll() }
        return try await body("http://127.0.0.1:\(port)")
    }
}
