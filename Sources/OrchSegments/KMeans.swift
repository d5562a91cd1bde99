import OrchRandom

/// K-means (Lloyd's algorithm) with k-means++ seeding and several restarts,
/// on rows of equal-length feature vectors. Deterministic for a seed and an
/// input order; callers sort their rows (by id) so row order never matters.
public struct KMeans: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var k = 5
        public var restarts = 10
        public var maxIterations = 300
        /// Stop when no centroid moves more than this (squared distance).
        public var tolerance = 1e-4
        public var seed: UInt64 = 42
        public init() {}
    }

    public struct Result: Sendable, Hashable {
        /// Cluster index per row.
        public var labels: [Int]
        public var centroids: [[Double]]
        /// Sum of squared distances of rows to their centroids.
        public var inertia: Double
        public var iterations: Int
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The best of `restarts` runs (lowest inertia).
    public func fit(_ points: [[Double]]) -> Result {
        precondition(!points.isEmpty && configuration.k >= 1, "k-means needs rows and k >= 1")
        let k = min(configuration.k, points.count)
        var rng = SeededRandom(seed: configuration.seed)
        var best: Result?
        for _ in 0..<max(1, configuration.restarts) {
            let result = lloyd(points, initial: plusPlus(points, k: k, rng: &rng))
            if best == nil || result.inertia < best!.inertia { best = result }
        }
        return best!
    }

    /// k-means++: each next centre drawn with probability proportional to its squared distance to the nearest chosen one.
    func plusPlus(_ points: [[Double]], k: Int, rng: inout SeededRandom) -> [[Double]] {
        var centroids = [points[rng.int(0...(points.count - 1))]]
        var nearest = points.map { squaredDistance($0, centroids[0]) }
        while centroids.count < k {
            let total = nearest.reduce(0, +)
            var next = 0
            if total > 0 {
                var target = rng.unit() * total
                for (i, d) in nearest.enumerated() {
                    target -= d
                    if target <= 0 { next = i; break }
                    next = i
                }
            } else {
                next = rng.int(0...(points.count - 1))
            }
            centroids.append(points[next])
            for i in points.indices { nearest[i] = min(nearest[i], squaredDistance(points[i], points[next])) }
        }
        return centroids
    }

    func lloyd(_ points: [[Double]], initial: [[Double]]) -> Result {
        var centroids = initial
        let k = centroids.count, dims = points[0].count
        var labels = [Int](repeating: 0, count: points.count)
        var iterations = 0
        for iteration in 1...max(1, configuration.maxIterations) {
            iterations = iteration
            for (i, p) in points.enumerated() { labels[i] = closest(p, centroids).index }
            var sums = [[Double]](repeating: [Double](repeating: 0, count: dims), count: k)
            var counts = [Int](repeating: 0, count: k)
            for (i, p) in points.enumerated() {
                counts[labels[i]] += 1
                for d in 0..<dims { sums[labels[i]][d] += p[d] }
            }
            var shift = 0.0
            for c in 0..<k {
                // An empty cluster keeps its centre (rare with k-means++ seeding).
                guard counts[c] > 0 else { continue }
                let updated = sums[c].map { $0 / Double(counts[c]) }
                shift = max(shift, squaredDistance(updated, centroids[c]))
                centroids[c] = updated
            }
            if shift <= configuration.tolerance { break }
        }
        var inertia = 0.0
        for (i, p) in points.enumerated() {
            let c = closest(p, centroids)
            labels[i] = c.index
            inertia += c.distance
        }
        return Result(labels: labels, centroids: centroids, inertia: inertia, iterations: iterations)
    }

    func closest(_ p: [Double], _ centroids: [[Double]]) -> (index: Int, distance: Double) {
        var best = (index: 0, distance: Double.infinity)
        for (c, centroid) in centroids.enumerated() {
            let d = squaredDistance(p, centroid)
            if d < best.distance { best = (c, d) }
        }
        return best
    }
}

@inline(__always) func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices {
        let d = a[i] - b[i]
        s += d * d
    }
    return s
}

/// Mean silhouette coefficient: for each row, (b − a) / max(a, b) where a is the
/// mean distance to its own cluster and b to the nearest other cluster.
public func silhouette(_ points: [[Double]], labels: [Int], k: Int) -> Double {
    guard k > 1, points.count > 1 else { return 0 }
    var sizes = [Int](repeating: 0, count: k)
    for l in labels { sizes[l] += 1 }
    var total = 0.0
    var sums = [Double](repeating: 0, count: k)
    for i in points.indices {
        for c in 0..<k { sums[c] = 0 }
        for j in points.indices where j != i {
            sums[labels[j]] += squaredDistance(points[i], points[j]).squareRoot()
        }
        let own = labels[i]
        guard sizes[own] > 1 else { continue } // a singleton scores 0
        let a = sums[own] / Double(sizes[own] - 1)
        var b = Double.infinity
        for c in 0..<k where c != own && sizes[c] > 0 { b = min(b, sums[c] / Double(sizes[c])) }
        total += (b - a) / max(a, b)
    }
    return total / Double(points.count)
}

/// Z-scores per column (population standard deviation, as scikit-learn's StandardScaler).
public struct Standardizer: Sendable, Hashable {
    public var means: [Double]
    public var deviations: [Double]

    public init(fitting rows: [[Double]]) {
        let n = Double(rows.count), dims = rows.first?.count ?? 0
        means = (0..<dims).map { d in rows.reduce(0) { $0 + $1[d] } / n }
        let means = self.means
        deviations = (0..<dims).map { d in
            let v = rows.reduce(0) { $0 + ($1[d] - means[d]) * ($1[d] - means[d]) } / n
            return v > 0 ? v.squareRoot() : 1
        }
    }

    public func transform(_ row: [Double]) -> [Double] { row.indices.map { (row[$0] - means[$0]) / deviations[$0] } }
    public func inverse(_ row: [Double]) -> [Double] { row.indices.map { row[$0] * deviations[$0] + means[$0] } }
}
