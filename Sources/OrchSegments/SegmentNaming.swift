/// Names RFM segments from their centroids by explicit rules, so a name stays
/// attached to the same kind of customer across retrains (the original mapped
/// cluster numbers to names by hand, and every retrain renamed them).
///
/// Rules, in order, each taking the best remaining cluster:
/// 1. `At-Risk (Lapsing)`: the longest time since the last purchase;
/// 2. `Champions (VIPs)`: the highest frequency + monetary − recency (z-scores);
/// 3. `Big Spenders`: the highest average order value;
/// 4. `Loyal Customers`: the highest frequency;
/// 5. `Occasional Shoppers`: what remains.
/// Extra clusters (k > 5) are `Other Customers N`.
public enum SegmentNaming {
    public static let names = ["Champions (VIPs)", "Loyal Customers", "Big Spenders", "Occasional Shoppers", "At-Risk (Lapsing)"]

    /// Feature order expected in centroids: recency_days, frequency, monetary, avg_order_value (original units).
    public static let features = ["recency_days", "frequency", "monetary", "avg_order_value"]

    /// Name per cluster index; `standardized` centroids are in z-scores, `original` in the features' units.
    public static func name(standardized: [[Double]], original: [[Double]]) -> [String] {
        let k = standardized.count
        var remaining = Set(0..<k)
        var names = [String](repeating: "", count: k)
        func take(_ name: String, by score: (Int) -> Double) {
            guard let best = remaining.max(by: { (score($0), -$0) < (score($1), -$1) }) else { return }
            names[best] = name
            remaining.remove(best)
        }
        let z = standardized
        take("At-Risk (Lapsing)") { original[$0][0] }
        take("Champions (VIPs)") { z[$0][1] + z[$0][2] - z[$0][0] }
        take("Big Spenders") { original[$0][3] }
        take("Loyal Customers") { original[$0][1] }
        take("Occasional Shoppers") { -original[$0][2] }
        for (n, c) in remaining.sorted().enumerated() { names[c] = "Other Customers \(n + 1)" }
        return names
    }

    /// Stable segment ids: the rule order above (Champions 1 … At-Risk 5, others after).
    public static func id(of name: String) -> Int {
        if let i = names.firstIndex(of: name) { return i + 1 }
        return 5 + (Int(name.split(separator: " ").last ?? "") ?? 0)
    }
}
