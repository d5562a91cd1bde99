import AsyncHTTPClient
import Foundation
import NIOCore

/// POSTs JSON with a time limit and a few retries; never throws (callers log).
enum HTTPPost {
    /// - Returns: nil on success, else what went wrong.
    static func json(_ body: Data, to url: String, attempts: Int = 3, timeout: Duration = .seconds(10)) async -> String? {
        var last = "not sent"
        for attempt in 1...max(1, attempts) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "orch")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.wholeNanoseconds))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(Int(response.status.code)) { return nil }
                last = "HTTP \(response.status.code)"
                if response.status.code < 500 && response.status.code != 429 { return last }
            } catch {
                last = "\(error)"
            }
            if attempt < attempts { try? await Task.sleep(for: .milliseconds(500 * Int64(attempt))) }
        }
        return last
    }
}
