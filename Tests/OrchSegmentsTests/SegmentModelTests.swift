import Testing
import OrchRandom
@testable import OrchSegments

/// The training both `train_segments` and `orch segments` use.
@Suite("segment model training")
struct SegmentModelTests {
    static func features(_ n: Int, seed: UInt64 = 3) -> [[Double]] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { _ in [Double(rng.int(1...300)), Double(rng.int(1...40)), rng.unit() * 5000, rng.unit() * 300] }
    }

    @Test("numeric ids sort by value, then text ids by text")
    func order() {
        let ids = SegmentModel.ordered(["10", "9", "b", "a", "100"]) { $0 }
        #expect(ids == ["a", "b", "9", "10", "100"])
    }

    @Test("the same features and seed give the same model; sizes add up by index and by name")
    func deterministic() {
        var configuration = KMeans.Configuration()
        configuration.seed = 7
        let features = Self.features(200)
        let a = SegmentModel.train(features, k: 4, configuration: configuration)
        let b = SegmentModel.train(features, k: 4, configuration: configuration)
        #expect(a.labels == b.labels)
        #expect(a.names == b.names)
        #expect(a.sizes.reduce(0, +) == 200)
        #expect(a.sizesByName.values.reduce(0, +) == 200)
        #expect(a.fitTime > .zero)
    }
}
