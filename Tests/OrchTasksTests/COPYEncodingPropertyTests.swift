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
            let reason = bytes.withUnsafeBufferPointer { CSVColumn(name: "v", type: .text).encode($0, quoted: true, format: .text, into: &chunk) }
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

    /// A field's text for `type`: mostly valid, now and then empty (NULL) or bad, with the shapes that make encoders differ.
    static func field(_ type: CSVColumn.ColumnType, _ rng: inout SeededRandom) -> [UInt8] {
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(rng.int(0...9))) }) }
        func sign() -> String { ["", "", "-", "+"][rng.int(0...3)] }
        if rng.int(0...19) == 0 { return [] }
        switch type {
        case .int:
            return Array((sign() + ["0", "007", digits(rng.int(1...18)), "999999999999999999", "12a"][rng.int(0...4)]).utf8)
        case .numeric, .double:
            let shapes = [digits(rng.int(1...6)) + "." + digits(rng.int(0...6)), "." + digits(rng.int(1...5)), digits(rng.int(1...3)) + ".",
                          "0.000" + digits(rng.int(0...3)), digits(rng.int(1...40)) + "." + digits(rng.int(0...40)),
                          "0000" + digits(rng.int(1...9)) + ".10000", "0", "0.0", digits(rng.int(1...17)), "1.2.3"]
            return Array((sign() + shapes[rng.int(0...(shapes.count - 1))]).utf8)
        case .bool:
            return Array(["true", "t", "yes", "y", "1", "false", "F", "No", "n", "0", "maybe"][rng.int(0...10)].utf8)
        case .date:
            let y = rng.int(1...9999), m = rng.int(1...12), d = rng.int(1...31)
            return Array("\(m)/\(d)/\(String(format: "%04d", y))".utf8)
        case .text:
            return rng.int(0...3) == 0 ? value(&rng) : Array(digits(rng.int(0...3)).utf8) + Array("é a,\"b".utf8)
        case .timestamp:
            return Array("2026-12-07T10:00:00Z".utf8)
        }
    }

    @Test("binary COPY stores exactly what text COPY stores, for every type with a binary form")
    func binaryMatchesText() async throws {
        var rng = SeededRandom(seed: UInt64(Date().timeIntervalSince1970))
        let types: [CSVColumn.ColumnType] = [.int, .numeric, .double, .bool, .date, .text]
        let columns = types.map { CSVColumn(name: "c_\($0.rawValue)", type: $0) }
        var text: [UInt8] = [], binary = COPYBinary.header
        var rows = 0
        for i in 0..<(Self.cases * 3) {
            let fields = types.map { Self.field($0, &rng) }
            let (textMark, binaryMark) = (text.count, binary.count)
            text += Array("\(i)".utf8)
            COPYBinary.beginRow(fields: columns.count + 1, to: &binary)
            COPYBinary.appendInt8Field(Int64(i), to: &binary)
            var textReason: String?, binaryReason: String?
            for (column, bytes) in zip(columns, fields) {
                text.append(COPYText.fieldSeparator)
                bytes.withUnsafeBufferPointer { field in
                    textReason = textReason ?? column.encode(field, quoted: false, format: .text, into: &text)
                    binaryReason = binaryReason ?? column.encode(field, quoted: false, format: .binary, into: &binary)
                }
            }
            #expect(textReason == binaryReason, "row \(i): \(fields.map { String(decoding: $0, as: UTF8.self) })")
            if textReason != nil || binaryReason != nil {
                text.removeSubrange(textMark...)
                binary.removeSubrange(binaryMark...)
                continue
            }
            text.append(COPYText.rowEnd)
            rows += 1
        }
        binary += COPYBinary.trailer
        let url = try await TestDatabase.fresh()
        let definition = "i bigint, " + columns.map { "\($0.name) \($0.type.sql)" }.joined(separator: ", ")
        let names = ["i"] + columns.map(\.name)
        let (textChunks, binaryChunks) = ([text], [binary])
        let (fromText, fromBinary) = try await Store.with(url) { store in
            try await store.warehouse.withTransaction { session -> ([[String?]], [[String?]]) in
                try await session.execute("CREATE TABLE public.from_text (\(definition)); CREATE TABLE public.from_binary (\(definition))")
                try await session.copy(schema: "public", table: "from_text", columns: names, chunks: textChunks)
                let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
                for chunk in binaryChunks { continuation.yield(chunk) }
                continuation.finish()
                try await session.copy(schema: "public", table: "from_binary", columns: names, format: .binary, stream: stream)
                // As text, so that a numeric's scale or a double's last bit shows.
                let select = names.map { "\($0)::text" }.joined(separator: ", ")
                return (try await session.rows("SELECT \(select) FROM public.from_text ORDER BY i"),
                        try await session.rows("SELECT \(select) FROM public.from_binary ORDER BY i"))
            }
        }
        #expect(fromText.count == rows && rows >= Self.cases / 2, "\(rows) rows of \(Self.cases * 3) stored")
        #expect(fromBinary.count == rows)
        for (t, b) in zip(fromText, fromBinary) where t != b {
            Issue.record("text \(t) but binary \(b)")
        }
    }
}
