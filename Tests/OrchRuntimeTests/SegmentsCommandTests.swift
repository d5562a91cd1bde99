import Foundation
import Testing
import OrchTestSupport

/// `orch segments` prints every segment it trained, and reads `--k` as the
/// YAML reads `k:` (a number from 2 to 20, or `auto`).
@Suite("orch segments: every segment printed, --k as in YAML", .timeLimit(.minutes(2)))
struct SegmentsCommandTests {
    /// Seven far-apart groups of 20 customers: any k up to 7 has no empty cluster.
    static let features: String = {
        var lines = ["id,recency_days,frequency,monetary,avg_order_value"]
        var id = 0
        for group in 0..<7 {
            for i in 0..<20 {
                id += 1
                let base = Double(group) * 100
                lines.append("\(id),\(base + Double(i % 3)),\(group * 7 + i % 2),\(base * 10 + Double(i)),\(base + Double(i % 5))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    func segments(_ args: [String]) async throws -> ProcessResult {
        try await withTemporaryDirectory { dir in
            try Self.features.write(toFile: "\(dir)/f.csv", atomically: true, encoding: .utf8)
            return try await runOrch(["segments", "f.csv"] + args, directory: dir)
        }
    }

    /// The `  name: size` lines of the text output.
    func sizes(_ out: String) -> [(String, Int)] {
        out.split(separator: "\n").filter { $0.hasPrefix("  ") }.compactMap { line in
            guard let colon = line.lastIndex(of: ":"), let n = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            else { return nil }
            return (line[..<colon].trimmingCharacters(in: .whitespaces), n)
        }
    }

    @Test("--k 7 prints 7 segments whose sizes add up to every customer (it printed 5 of 7)")
    func sevenSegments() async throws {
        let r = try await segments(["--k", "7"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = sizes(r.stdout)
        #expect(rows.count == 7, "\(r.stdout)")
        #expect(rows.map(\.1).reduce(0, +) == 140, "\(r.stdout)")
        #expect(rows.first?.0 == "Champions (VIPs)" && rows.last?.0.hasPrefix("Other Customers") == true, "stable order\n\(r.stdout)")
    }

    @Test("--k auto is accepted as in YAML; --k 1 and --k 21 are refused naming what is allowed")
    func kAsInYAML() async throws {
        let auto = try await segments(["--k", "auto"])
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stdout.contains("(auto)"), "\(auto.stdout)")
        #expect(sizes(auto.stdout).map(\.1).reduce(0, +) == 140, "\(auto.stdout)")
        for bad in ["1", "21", "seven"] {
            let r = try await segments(["--k", bad])
            #expect(r.status == 2, "--k \(bad): \(r.stderr)")
            #expect(r.stderr.contains("auto"), "--k \(bad): \(r.stderr)")
        }
    }

    @Test("--json has the contract's shape: the same sizes as the text, snake_case, schema_version")
    func json() async throws {
        let r = try await segments(["--k", "7", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let document = try JSONContract.decode(Shape.Segments.self, r.stdout)
        #expect(document.k == 7 && document.nInit == 10 && document.rows == 140)
        #expect(document.sizes.values.reduce(0, +) == 140 && document.sizes.count == 7, "\(document.sizes)")
    }
}
