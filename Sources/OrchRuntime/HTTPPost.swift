import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchSpec

/// POSTs JSON with a time limit and a few retries; never throws (callers log).
enum HTTPPost {
    /// Why a POST did not land: `retryable` for a server error, a rate limit or a transport failure.
    struct Failure: Error {
        var text: String
        var retryable: Bool
    }

    /// - Returns: nil on success, else what went wrong.
    static func json(_ body: Data, to url: String, attempts: Int = 3, timeout: Duration = .seconds(10)) async -> String? {
        do {
            try await RetryLoop(firstDelay: .milliseconds(500), maxDelay: .seconds(5), attempts: attempts).run(retryIf: {
                ($0 as? Failure)?.retryable ?? true
            }) {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "orch")
                request.body = .bytes(ByteBuffer(bytes: body))
                let response: HTTPClientResponse
                do {
                    response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.wholeNanoseconds))
                } catch {
                    throw Failure(text: "\(error)", retryable: true)
                }
                _ = try? await response.body.collect(upTo: 64 * 1024)
                let code = Int(response.status.code)
                guard (200..<300).contains(code) else { throw Failure(text: "HTTP \(code)", retryable: code >= 500 || code == 429) }
            }
            return nil
        } catch {
            return (error as? Failure)?.text ?? "\(error)"
        }
    }
}
