import Foundation

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

    /// Standardises `features`, runs k-means (or picks k by silhouette when `k` is nil) and names the clusters.
    public static func train(_ features: [[Double]], k: Int?, configuration: KMeans.Configuration) -> SegmentModel {
        let scaler = Standardizer(fitting: features)
        let points = features.map(scaler.transform)
        func fit(_ k: Int) -> (KMeans.Result, Double) {
            var c = configuration
            c.k = k
            let result = KMeans(configuration: c).fit(points)
            return (result, OrchSegments.silhouette(points, labels: result.labels, k: k))
        }
        let (result, score): (KMeans.Result, Double)
        if let k {
            (result, score) = fit(k)
        } else {
            (result, score) = (2...8).map(fit).max { $0.1 < $1.1 }!
        }
        let original = result.centroids.map(scaler.inverse)
        let names = SegmentNaming.name(standardized: result.centroids, original: original)
        var sizes = [Int](repeating: 0, count: result.centroids.count)
        for l in result.labels { sizes[l] += 1 }
        return SegmentModel(k: result.centroids.count, labels: result.labels, names: names, sizes: sizes, centroids: original,
                            inertia: result.inertia, silhouette: score)
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
                "train_ms": String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)]
    }
}
