import Foundation
import OrchSpec

/// A trained segmentation: labels, named clusters and their quality.
public struct SegmentModel: Sendable {
    public var k: Int
    public var labels: [Int]
    public var names: [String]
    public var sizes: [Int]
    /// In the features' original units.
    public var centroids: [[Double]]
    public var inertia: Double
    public var silhouette: Double
    /// How long the chosen k's k-means and silhouette took (the benchmark's figures).
    public var fitTime: Duration = .zero
    public var silhouetteTime: Duration = .zero

    /// Entities in the one order training uses (numeric ids first, by value),
    /// so that the answer never depends on the order rows arrive in.
    public static func ordered<Entity>(_ entities: [Entity], id: (Entity) -> String) -> [Entity] {
        entities.sorted { (Int(id($0)) ?? 0, id($0)) < (Int(id($1)) ?? 0, id($1)) }
    }

    /// Sizes by segment name (two clusters may share a name).
    public var sizesByName: [String: Int] {
        var out: [String: Int] = [:]
        for (n, name) in names.enumerated() { out[name, default: 0] += sizes[n] }
        return out
    }

    /// Each segment name once, in the stable id order (Champions first,
    /// `Other Customers N` last): every segment, whatever k.
    public var orderedNames: [String] {
        Set(names).sorted { (SegmentNaming.id(of: $0), $0) < (SegmentNaming.id(of: $1), $1) }
    }

    /// Standardises `features`, runs k-means (or picks k by silhouette when `k` is nil) and names the clusters.
    public static func train(_ features: [[Double]], k: Int?, configuration: KMeans.Configuration) -> SegmentModel {
        let scaler = Standardizer(fitting: features)
        let points = features.map(scaler.transform)
        let clock = ContinuousClock()
        func fit(_ k: Int) -> (result: KMeans.Result, score: Double, fitTime: Duration, silhouetteTime: Duration) {
            var c = configuration
            c.k = k
            var result: KMeans.Result?
            let fitTime = clock.measure { result = KMeans(configuration: c).fit(points) }
            var score = 0.0
            let silhouetteTime = clock.measure { score = OrchSegments.silhouette(points, labels: result!.labels, k: k) }
            return (result!, score, fitTime, silhouetteTime)
        }
        let best = k.map(fit) ?? (2...8).map(fit).max { $0.score < $1.score }!
        let (result, score) = (best.result, best.score)
        let original = result.centroids.map(scaler.inverse)
        let names = SegmentNaming.name(standardized: result.centroids, original: original)
        var sizes = [Int](repeating: 0, count: result.centroids.count)
        for l in result.labels { sizes[l] += 1 }
        return SegmentModel(k: result.centroids.count, labels: result.labels, names: names, sizes: sizes, centroids: original,
                            inertia: result.inertia, silhouette: score, fitTime: best.fitTime, silhouetteTime: best.silhouetteTime)
    }

    /// The model as facts for the store: k, seed, inertia, silhouette, segments with sizes and centroids.
    public func facts(seed: UInt64, restarts: Int, elapsed: Duration) -> [String: String] {
        var segments: [[String: Any]] = []
        for (n, name) in names.enumerated() {
            var centroid: [String: Double] = [:]
            for (f, feature) in SegmentNaming.features.enumerated() { centroid[feature] = (centroids[n][f] * 100).rounded() / 100 }
            segments.append(["segment_id": SegmentNaming.id(of: name), "segment_name": name, "size": sizes[n], "centroid": centroid])
        }
        segments.sort { ($0["segment_id"] as! Int) < ($1["segment_id"] as! Int) }
        let json = (try? JSONSerialization.data(withJSONObject: segments, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return ["k": String(k), "seed": String(seed), "n_init": String(restarts), "inertia": String(format: "%.4f", inertia),
                "silhouette": String(format: "%.4f", silhouette), "segments": json,
                "train_ms": String(format: "%.1f", elapsed.seconds * 1000)]
    }
}
