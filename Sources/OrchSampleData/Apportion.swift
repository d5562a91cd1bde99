import OrchRandom

/// Running sums, for `SeededRandom.pick(cumulative:)`.
func cumulative(_ weights: [Double]) -> [Double] {
    var total = 0.0
    return weights.map { total += $0; return total }
}

/// Splits `total` into parts proportional to `weights`, each at least
/// `minimum`, summing exactly to `total` (largest remainder).
func apportion(_ total: Int, weights: [Double], minimum: Int) -> [Int] {
    let spare = total - minimum * weights.count
    precondition(spare >= 0, "not enough to give each part its minimum")
    let sum = weights.reduce(0, +)
    let exact = weights.map { Double(spare) * $0 / sum }
    var parts = exact.map { Int($0) }
    var left = spare - parts.reduce(0, +)
    let order = exact.indices.sorted { (exact[$0] - Double(parts[$0])) > (exact[$1] - Double(parts[$1])) }
    var k = 0
    while left > 0 {
        parts[order[k % order.count]] += 1
        left -= 1
        k += 1
    }
    return parts.map { $0 + minimum }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
