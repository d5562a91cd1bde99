import Foundation

/// How many generated cases each property test runs: a modest default so the
/// pure suites take seconds, and `ORCH_PROPERTY_CASES=5000` for a long run.
/// (One copy per test target, as test targets share no code.)
enum PropertyCases {
    static let count = ProcessInfo.processInfo.environment["ORCH_PROPERTY_CASES"].flatMap { Int($0) }.map { max(1, $0) } ?? 200

    /// A share of `count` (at least `minimum`) for properties that are costly per case.
    static func share(_ fraction: Double, minimum: Int = 1) -> Int {
        max(minimum, Int(Double(count) * fraction))
    }
}
