import Testing
import OrchRandom
@testable import OrchSegments

@Suite("k-means, silhouette and segment naming")
struct KMeansTests {
    /// Three well-separated blobs of 2-D points.
    func blobs(seed: UInt64 = 1) -> (points: [[Double]], truth: [Int]) {
        var rng = SeededRandom(seed: seed)
        let centres = [[0.0, 0.0], [10.0, 10.0], [-10.0, 8.0]]
        var points: [[Double]] = [], truth: [Int] = []
        for (c, centre) in centres.enumerated() {
            for _ in 0..<60 {
                points.append([centre[0] + rng.normal() * 0.5, centre[1] + rng.normal() * 0.5])
                truth.append(c)
            }
        }
        return (points, truth)
    }

    @Test("finds well-separated clusters exactly, with a high silhouette")
    func separates() {
        let (points, truth) = blobs()
        var config = KMeans.Configuration()
        config.k = 3
        let result = KMeans(configuration: config).fit(points)
        // Same partition as the truth, whatever the cluster numbering.
        for c in 0..<3 {
            let members = Set(truth.indices.filter { truth[$0] == c }.map { result.labels[$0] })
            #expect(members.count == 1)
        }
        #expect(silhouette(points, labels: result.labels, k: 3) > 0.9)
        #expect(result.inertia < 180 * 0.5 * 2)
    }

    @Test("the same seed gives the same answer; restarts never do worse than one run")
    func deterministic() {
        let (points, _) = blobs(seed: 9)
        var config = KMeans.Configuration()
        config.k = 4
        let a = KMeans(configuration: config).fit(points), b = KMeans(configuration: config).fit(points)
        #expect(a == b)
        config.restarts = 1
        let single = KMeans(configuration: config).fit(points)
        #expect(a.inertia <= single.inertia + 1e-9)
    }

    @Test("standardising gives mean 0 and deviation 1, and inverts")
    func standardize() {
        let rows = [[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]]
        let s = Standardizer(fitting: rows)
        let z = rows.map(s.transform)
        #expect(abs(z.map { $0[0] }.reduce(0, +)) < 1e-12)
        #expect(abs(z.map { $0[1] * $0[1] }.reduce(0, +) / 3 - 1) < 1e-12)
        #expect(zip(rows.map { s.inverse(s.transform($0)) }.joined(), rows.joined()).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test("names follow the rules, not the cluster numbers")
    func naming() {
        // (recency, frequency, monetary, aov) in original units, in a scrambled cluster order.
        let original = [
            [40.0, 10, 6_000, 600],     // occasional
            [200.0, 4, 2_000, 500],     // lapsing
            [5.0, 120, 200_000, 1_700], // champions
            [60.0, 8, 90_000, 11_000],  // big spenders
            [10.0, 45, 40_000, 900],    // loyal
        ]
        let scaler = Standardizer(fitting: original)
        let names = SegmentNaming.name(standardized: original.map(scaler.transform), original: original)
        #expect(names == ["Occasional Shoppers", "At-Risk (Lapsing)", "Champions (VIPs)", "Big Spenders", "Loyal Customers"])
        #expect(SegmentNaming.names.map(SegmentNaming.id) == [1, 2, 3, 4, 5])
        // Reordering the clusters moves the names with them.
        let reversed = Array(original.reversed())
        #expect(SegmentNaming.name(standardized: reversed.map(scaler.transform), original: reversed) == names.reversed())
    }
}
