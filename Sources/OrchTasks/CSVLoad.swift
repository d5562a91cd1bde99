import Foundation
import OrchExecution

/// A CSV load parsed and checked in memory: the columns, the COPY data in
/// chunks, and the rejected rows. Built before any database work, so that a
/// load over its bad-row limit changes nothing.
struct CSVLoad {
    struct Rejected {
        var file: String
        var line: Int
        var reason: String
        var raw: String
    }

    var columns: [CSVColumn]
    var chunks: [[UInt8]] = []
    var rowsRead = 0
    var rejected: [Rejected] = []

    static let chunkSize = 256 * 1024

    static func prepare(files: [String], declared: [String: CSVColumn], infer: Bool, delimiter: UInt8) throws -> CSVLoad {
        var contents: [(String, [UInt8])] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TaskFailure("missing_file", "cannot read \(file)", retryable: false)
            }
            contents.append((file, [UInt8](data)))
        }
        // Header of the first file names the columns; the others must match it.
        var header: [String]?
        for (file, bytes) in contents {
            var names: [String] = []
            CSVReader(bytes, delimiter: delimiter).forEach { record in
                names = (0..<record.count).map { record.string($0) }
                return false
            }
            if let header, header != names {
                throw TaskFailure("header", "\(file) has columns \(names.joined(separator: ",")), but \(files[0]) has \(header.joined(separator: ",")); all files of one load must share a header", retryable: false)
            }
            header = header ?? names
        }
        guard let header, !header.isEmpty, !(header.count == 1 && header[0].isEmpty) else {
            throw TaskFailure("header", "\(files[0]) is empty: a header line is needed", retryable: false)
        }
        let names = header.map(CSVValue.snakeCase)
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw TaskFailure("header", "two header columns both become `\(duplicate)` in \(files[0])", retryable: false)
        }
        for name in declared.keys where !names.contains(name) {
            throw TaskFailure("header", "`columns` declares `\(name)`, which is not in the header of \(files[0]) (\(names.joined(separator: ", ")))",
                              retryable: false)
        }
        var columns = names.map { declared[$0] ?? CSVColumn(name: $0, type: .text) }
        let undeclared = names.indices.filter { declared[names[$0]] == nil }
        if infer && !undeclared.isEmpty {
            var inference = TypeInference(columns: names.count)
            for (_, bytes) in contents {
                var first = true
                CSVReader(bytes, delimiter: delimiter).forEach { record in
                    if first { first = false; return true }
                    if record.count == names.count { inference.observe(record, only: undeclared) }
                    return true
                }
            }
            for i in undeclared { columns[i].type = inference.type(of: i) }
        }

        var load = CSVLoad(columns: columns)
        var chunk: [UInt8] = []
        chunk.reserveCapacity(chunkSize + 4096)
        for (file, bytes) in contents {
            var first = true
            CSVReader(bytes, delimiter: delimiter).forEach { record in
                if first { first = false; return true }
                load.rowsRead += 1
                if record.count != columns.count {
                    load.reject(file, record, bytes, "has \(record.count) field(s), the header has \(columns.count)")
                    return true
                }
                let mark = chunk.count
                for c in 0..<columns.count {
                    if c > 0 { chunk.append(9) }
                    if let reason = columns[c].encode(record.field(c), quoted: record.quoted[c], into: &chunk) {
                        chunk.removeSubrange(mark...)
                        load.reject(file, record, bytes, reason)
                        return true
                    }
                }
                chunk.append(10)
                if chunk.count >= chunkSize {
                    load.chunks.append(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
                return true
            }
        }
        if !chunk.isEmpty { load.chunks.append(chunk) }
        return load
    }

    private mutating func reject(_ file: String, _ record: borrowing CSVReader.Record, _ bytes: [UInt8], _ reason: String) {
        rejected.append(Rejected(file: file, line: record.line, reason: reason,
                                 raw: String(decoding: bytes[record.rawRange], as: UTF8.self)))
    }

    /// `file,line,reason,raw` with RFC 4180 quoting.
    func writeRejected(to path: String) throws {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var text = "file,line,reason,raw\n"
        for r in rejected { text += "\(q(r.file)),\(r.line),\(q(r.reason)),\(q(r.raw))\n" }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// The narrowest type every value of a column fits: int, then numeric, else text.
struct TypeInference {
    private var canInt: [Bool]
    private var canNumeric: [Bool]
    private var seen: [Bool]

    init(columns: Int) {
        canInt = Array(repeating: true, count: columns)
        canNumeric = Array(repeating: true, count: columns)
        seen = Array(repeating: false, count: columns)
    }

    mutating func observe(_ record: borrowing CSVReader.Record, only columns: [Int]) {
        for c in columns where canNumeric[c] {
            let f = record.field(c)
            if f.isEmpty { continue }
            seen[c] = true
            if canInt[c] && CSVValue.integer(f) == nil { canInt[c] = false }
            if !canInt[c] && CSVValue.decimal(f) == nil { canNumeric[c] = false }
        }
    }

    func type(of c: Int) -> CSVColumn.ColumnType {
        guard seen[c] else { return .text }
        return canInt[c] ? .int : (canNumeric[c] ? .numeric : .text)
    }
}

/// Shell-style globs (`data/*.csv`) through glob(3); a plain path is returned as is if it exists.
enum FileGlob {
    static func expand(_ pattern: String) throws -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
