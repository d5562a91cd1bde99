import ArgumentParser
import Foundation
import OrchSegments
import OrchSpec
import OrchRuntime
import OrchTasks

/// `orch segments FEATURES.csv`: the train_segments model on a CSV of
/// features (id, recency_days, frequency, monetary, avg_order_value), for
/// trying settings offline and for the benchmark against scikit-learn.
extension SegmentCount: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

struct SegmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segments",
        abstract: "Run the RFM k-means segmentation on a features CSV and print the named segments."
    )

    @Argument(help: "CSV with a header: id, recency_days, frequency, monetary, avg_order_value.")
    var file: String

    @Option(help: "Number of segments: \(SegmentCount.expected) (as `k:` in YAML).") var k = SegmentCount.fixed(5)
    @Option(help: "Restarts (k-means++ seedings).") var nInit = 10
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
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
        rows = SegmentModel.ordered(rows) { $0.0 }
        var configuration = KMeans.Configuration()
        configuration.restarts = nInit
        configuration.seed = seed
        let model = SegmentModel.train(rows.map(\.1), k: k.k, configuration: configuration)
        let sizes = model.sizesByName
        func ms(_ d: Duration) -> Double { d.seconds * 1000 }
        if json {
            print(try JSONOutput.render(SegmentsJSON(rows: rows.count, k: model.k, nInit: nInit, inertia: model.inertia,
                                                     silhouette: model.silhouette, kmeansMs: ms(model.fitTime),
                                                     silhouetteMs: ms(model.silhouetteTime), sizes: sizes)))
        } else {
            print("\(rows.count) rows, k=\(model.k)\(k == .auto ? " (auto)" : ""), \(nInit) restarts: inertia \(String(format: "%.4f", model.inertia)), silhouette \(String(format: "%.4f", model.silhouette))")
            print("k-means \(String(format: "%.1f", ms(model.fitTime))) ms, silhouette \(String(format: "%.1f", ms(model.silhouetteTime))) ms")
            for name in model.orderedNames { print("  \(name): \(sizes[name] ?? 0)") }
        }
    }
}
