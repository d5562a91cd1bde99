import Foundation
import OrchSpec

/// The HTTP `Retry-After` header: delay-seconds or an HTTP-date (RFC 9110
/// §10.2.3). Whatever the server sends, the result is a sane wait or nil:
/// `nan`, `inf`, `1e16`, negative numbers and garbage are ignored, not trusted.
enum RetryAfter {
    /// The longest wait a server may ask for; the executor caps it again at
    /// the task's `max_retry_delay`.
    static let longest: Duration = .seconds(3600)

    static func parse(_ header: String, now: Date) -> Duration? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // delay-seconds is 1*DIGIT; a huge one saturates rather than overflowing.
            let seconds = text.utf8.count > 9 ? Double.infinity : Double(text) ?? .infinity
            return min(Duration(checkedSeconds: seconds) ?? longest, longest)
        }
        guard let date = httpDate(text) else { return nil }
        return min(Duration(clampedSeconds: date.timeIntervalSince(now)), longest)
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
