import Foundation
import Testing
import OrchSampleData
@testable import OrchTasks
import OrchRandom

/// The CSV reader on generated input: RFC 4180 text written from random
/// records reads back as the same records; random bytes never crash it.
/// `ORCH_PROPERTY_CASES` sets the number of cases (default 300).
@Suite("CSV reader properties")
struct CSVReaderPropertyTests {
    static let cases = ProcessInfo.processInfo.environment["ORCH_PROPERTY_CASES"].flatMap(Int.init) ?? 300
    static let pieces = ["", "a", "Zz9", ",", "\"", "\"\"", "\n", "\r\n", "\r", " ", "\t", "é", "😀", "x\"y", "1,2", "\\N"]

    static func field(_ rng: inout SeededRandom) -> String {
        (0..<rng.int(0...4)).map { _ in pieces[rng.int(0...(pieces.count - 1))] }.joined()
    }

    /// RFC 4180: quote a field with a delimiter, quote, CR or LF (and empty ones, so no line is blank).
    static func csv(_ records: [[String]]) -> [UInt8] {
        var out = ""
        for record in records {
            out += record.map { f in
                f.isEmpty || f.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
            }.joined(separator: ",")
            out += "\n"
        }
        return Array(out.utf8)
    }

    static func read(_ bytes: [UInt8]) -> [[String]] {
        var records: [[String]] = []
        CSVReader(bytes).forEach { record in
            records.append((0..<record.count).map { record.string($0) })
            return true
        }
        return records
    }

    @Test("write random records as RFC 4180, read them back: the same records")
    func roundTrip() {
        var rng = SeededRandom(seed: UInt64(Date().timeIntervalSince1970))
        for _ in 0..<Self.cases {
            let records = (0..<rng.int(1...6)).map { _ in (0..<rng.int(1...5)).map { _ in Self.field(&rng) } }
            let bytes = Self.csv(records)
            #expect(Self.read(bytes) == records, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    @Test("random bytes, and valid files cut at any point: no crash, every record has a field")
    func garbage() {
        var rng = SeededRandom(seed: UInt64(Date().timeIntervalSince1970) &+ 1)
        let alphabet: [UInt8] = Array("a,\"\r\n \t".utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<Self.cases {
            let bytes = (0..<rng.int(0...200)).map { _ in alphabet[rng.int(0...(alphabet.count - 1))] }
            #expect(Self.read(bytes).allSatisfy { !$0.isEmpty })
            let valid = Self.csv([[Self.field(&rng), Self.field(&rng)], [Self.field(&rng)]])
            let cut = Array(valid.prefix(rng.int(0...valid.count)))
            #expect(Self.read(cut).allSatisfy { !$0.isEmpty })
        }
    }
}
