import Foundation
import Testing
import OrchSampleData
import OrchStore
import OrchTestSupport
@testable import OrchTasks
import OrchWarehouse
import OrchRandom

/// Round trip: any text value, encoded for COPY and loaded into PostgreSQL,
/// selects back as itself (or is rejected as a bad value, for NUL and bytes
/// that are not UTF-8), and one value never becomes two rows or two fields.
/// `ORCH_PROPERTY_CASES` sets the number of generated values (default 300).
@Suite("COPY encoding round trip against a real PostgreSQL")
struct COPYEncodingPropertyTests {
    static let cases = ProcessInfo.processInfo.environment["ORCH_PROPERTY_CASES"].flatMap(Int.init) ?? 300

    /// Values built from the bytes that matter to COPY's text format, plus quotes, commas and non-ASCII.
    static func value(_ rng: inout SeededRandom) -> [UInt8] {
        let palette: [[UInt8]] = [[9], [10], [13], [8], [11], [12], [92], [92, 78], [92, 46], [34], [44], [32], [0],
                                  Array("a".utf8), Array("Z9".utf8), Array("é".utf8), Array("€".utf8), Array("😀".utf8), [0xC3], [0xFF]]
        return (0..<rng.int(0...12)).flatMap { _ in palette[rng.int(0...(palette.count - 1))] }
    }

    @Test("encode → COPY → SELECT gives every storable value back, byte for byte")
    func roundTrip() async throws {
        var rng = SeededRandom(seed: UInt64(Date().timeIntervalSince1970))
        let values = (0..<Self.cases).map { _ in Self.value(&rng) }
        var chunk: [UInt8] = []
        var expected: [String] = []
        var rejected = 0
        for (i, bytes) in values.enumerated() {
            let mark = chunk.count
            chunk += Array("\(i)\t".utf8)
            let reason = bytes.withUnsafeBufferPointer { CSVColumn(name: "v", type: .text).encode($0, quoted: true, into: &chunk) }
            if reason != nil {
                chunk.removeSubrange(mark...)
                rejected += 1
                #expect(bytes.contains(0) || String(validating: bytes, as: UTF8.self) == nil, "only NUL or bad UTF-8 is rejected")
                continue
            }
            chunk.append(10)
            expected.append(String(decoding: bytes, as: UTF8.self))
        }
        let url = try await TestDatabase.fresh()
        let chunks = [chunk]
        let stored = try await Store.with(url) { store in
            try await store.warehouse.withTransaction { session -> [[String?]] in
                try await session.execute("CREATE TABLE public.round_trip (i int, v text)")
                try await session.copy(schema: "public", table: "round_trip", columns: ["i", "v"], chunks: chunks)
                return try await session.rows("SELECT v FROM public.round_trip ORDER BY i")
            }
        }
        #expect(stored.count == expected.count, "one row per value (\(rejected) rejected)")
        #expect(stored.map { $0.first ?? nil } == expected.map { Optional($0) })
    }
}
