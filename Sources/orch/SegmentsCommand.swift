import ArgumentParser
import Foundation
import OrchSegments
import OrchRuntime
import OrchTasks

/// `orch segments FEATURES.csv`: the train_segments model on a CSV of
/// features (id, recency_days, frequency, monetary, avg_order_value), for
/// trying settings offline and for the benchmark against scikit-learn.
struct SegmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segments",
        abstract: "Run the RFM k-means segmentation on a features CSV and print the named segments."
    )

    @Argument(help: "CSV with a header: id, recency_days, frequency, monetary, avg_order_value.")
    var file: String

    @Option(help: "Number of segments.") var k = 5
    @Option(help: "Restarts (k-means++ seedings).") var nInit = 10
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...20).contains(k) else { throw ValidationError("--k must be between 1 and 20, found \(k)") }
        guard (1...1000).contains(nInit) else { throw ValidationError("--n-init must be between 1 and 1000, found \(nInit)") }
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw RunSetupError("cannot read \(file)") }
        var rows: [(String, [Double])] = []
        var header = true
        CSVReader([UInt8](data)).forEach { record in
            defer { header = false }
            guard !header else { return true }
            let values = (1..<record.count).compactMap { Double(record.string($0)) }.filter(\.isFinite)
            if values.count == 4 { rows.append((record.string(0), values)) }
            return true
        }
        guard rows.count >= 10 else { throw RunSetupError("\(file) has \(rows.count) usable rows; at least 10 are needed") }
        rows.sort { (Int($0.0) ?? 0, $0.0) < (Int($1.0) ?? 0, $1.0) }
        let scaler = Standardizer(fitting: rows.map(\.1))
        let points = rows.map { scaler.transform($0.1) }
        var configuration = KMeans.Configuration()
        configuration.k = k
        configuration.restarts = nInit
        configuration.seed = seed
        let clock = ContinuousClock()
        var result: KMeans.Result!
        let fitTime = clock.measure { result = KMeans(configuration: configuration).fit(points) }
        var score = 0.0
        let silhouetteTime = clock.measure { score = silhouette(points, labels: result.labels, k: k) }
        let names = SegmentNaming.name(standardized: result.centroids, original: result.centroids.map(scaler.inverse))
        var sizes = [String: Int]()
        for label in result.labels { sizes[names[label], default: 0] += 1 }
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        if json {
            let object: [String: Any] = ["rows": rows.count, "k": k, "n_init": nInit, "inertia": result.inertia, "silhouette": score,
                                         "kmeans_ms": ms(fitTime), "silhouette_ms": ms(silhouetteTime), "sizes": sizes]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("\(rows.count) rows, k=\(k), \(nInit) restarts: inertia \(String(format: "%.4f", result.inertia)), silhouette \(String(format: "%.4f", score))")
            print("k-means \(String(format: "%.1f", ms(fitTime))) ms, silhouette \(String(format: "%.1f", ms(silhouetteTime))) ms")
            for name in SegmentNaming.names where sizes[name] != nil { print("  \(name): \(sizes[name]!)") }
        }
    }
}
