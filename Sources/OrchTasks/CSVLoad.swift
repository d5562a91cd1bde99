import Foundation
import OrchExecution
import OrchWarehouse

/// A CSV load: the files read, the columns settled (declared, or inferred
/// from the data), then every row checked and encoded into COPY chunks
/// handed to `emit` as they fill, so that sending overlaps parsing.
struct CSVLoad: Sendable {
    struct Rejected: Sendable {
        var file: String
        var line: Int
        var reason: String
        var raw: String
    }

    struct Outcome: Sendable {
        var rowsRead = 0
        var rejected: [Rejected] = []
        /// Where a quoted field never closes (the rest of that file is unreadable).
        var unterminated: (file: String, line: Int)?
    }

    var files: [(path: String, bytes: [UInt8])]
    var columns: [CSVColumn]
    var delimiter: UInt8
    /// Binary where the target's column types are orch's own and every one has a binary form.
    var format: WarehouseSession.COPYFormat = .text

    static let chunkSize = 256 * 1024

    /// Reads the files, checks their headers and settles the column types.
    static func plan(files paths: [String], declared: [String: CSVColumn], infer: Bool, delimiter: UInt8) throws -> CSVLoad {
        var files: [(String, [UInt8])] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TaskFailure(.missingFile, "cannot read \(path)", retryable: false)
            }
            files.append((path, [UInt8](data)))
        }
        // The header of the first file names the columns; the others must match it.
        var header: [String]?
        for (path, bytes) in files {
            var names: [String] = []
            CSVReader(bytes, delimiter: delimiter).forEach { record in
                names = (0..<record.count).map { record.string($0) }
                return false
            }
            if let header, header != names {
                throw TaskFailure(.header, "\(path) has columns \(names.joined(separator: ",")), but \(paths[0]) has \(header.joined(separator: ",")); all files of one load must share a header", retryable: false)
            }
            header = header ?? names
        }
        guard let header, !header.isEmpty, !(header.count == 1 && header[0].isEmpty) else {
            throw TaskFailure(.header, "\(paths[0]) is empty: a header line is needed", retryable: false)
        }
        let names = header.map(CSVValue.snakeCase)
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw TaskFailure(.header, "two header columns both become `\(duplicate)` in \(paths[0])", retryable: false)
        }
        for name in declared.keys.sorted() where !names.contains(name) {
            throw TaskFailure(.header, "`columns` declares `\(name)`, which is not in the header of \(paths[0]) (\(names.joined(separator: ", ")))",
                              retryable: false)
        }
        var columns = names.map { declared[$0] ?? CSVColumn(name: $0, type: .text) }
        let undeclared = names.indices.filter { declared[names[$0]] == nil }
        if infer && !undeclared.isEmpty {
            var inference = TypeInference(columns: names.count, candidates: undeclared)
            for (_, bytes) in files where !inference.settled {
                var first = true
                CSVReader(bytes, delimiter: delimiter).forEach { record in
                    if first { first = false; return true }
                    if record.count == names.count { inference.observe(record) }
                    return !inference.settled
                }
            }
            for i in undeclared { columns[i].type = inference.type(of: i) }
        }
        return CSVLoad(files: files, columns: columns, delimiter: delimiter)
    }

    /// Checks and encodes every data row; full chunks go to `emit`.
    func encode(emit: ([UInt8]) -> Void) -> Outcome {
        var outcome = Outcome()
        var chunk: [UInt8] = []
        chunk.reserveCapacity(Self.chunkSize + 4096)
        let format = self.format
        if format == .binary { chunk.append(contentsOf: COPYBinary.header) }
        columns.withUnsafeBufferPointer { columns in
            for (path, bytes) in files {
                var first = true
                CSVReader(bytes, delimiter: delimiter).forEach { record in
                    if first { first = false; return true }
                    if record.unterminated {
                        outcome.unterminated = (path, record.line)
                        return false
                    }
                    outcome.rowsRead += 1
                    if record.count != columns.count {
                        outcome.rejected.append(Self.rejected(path, record, bytes, "has \(record.count) field(s), the header has \(columns.count)"))
                        return true
                    }
                    let mark = chunk.count
                    if format == .binary { COPYBinary.beginRow(fields: columns.count, to: &chunk) }
                    for c in 0..<columns.count {
                        if c > 0 && format == .text { chunk.append(COPYText.fieldSeparator) }
                        if let reason = columns[c].encode(record.field(c), quoted: record.quoted[c], format: format, into: &chunk) {
                            chunk.removeSubrange(mark...)
                            outcome.rejected.append(Self.rejected(path, record, bytes, reason))
                            return true
                        }
                    }
                    if format == .text { chunk.append(COPYText.rowEnd) }
                    if chunk.count >= Self.chunkSize {
                        emit(chunk)
                        chunk.removeAll(keepingCapacity: true)
                    }
                    return true
                }
            }
        }
        if format == .binary { chunk.append(contentsOf: COPYBinary.trailer) }
        if !chunk.isEmpty { emit(chunk) }
        return outcome
    }

    private static func rejected(_ path: String, _ record: borrowing CSVReader.Record, _ bytes: [UInt8], _ reason: String) -> Rejected {
        Rejected(file: path, line: record.line, reason: reason, raw: String(decoding: bytes[record.rawRange], as: UTF8.self))
    }

    /// `file,line,reason,raw` with RFC 4180 quoting.
    static func writeRejected(_ rejected: [Rejected], to path: String) throws {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var text = "file,line,reason,raw\n"
        for r in rejected { text += "\(q(r.file)),\(r.line),\(q(r.reason)),\(q(r.raw))\n" }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// The narrowest type every value of a column fits: int, then numeric, else
/// text. Settled once every candidate column is text (nothing left to learn).
struct TypeInference {
    private var canInt: [Bool]
    private var canNumeric: [Bool]
    private var seen: [Bool]
    private var open: [Int]

    init(columns: Int, candidates: [Int]) {
        canInt = Array(repeating: true, count: columns)
        canNumeric = Array(repeating: true, count: columns)
        seen = Array(repeating: false, count: columns)
        open = candidates
    }

    var settled: Bool { open.isEmpty }

    mutating func observe(_ record: borrowing CSVReader.Record) {
        var becameText = false
        for c in open {
            let f = record.field(c)
            if f.isEmpty { continue }
            seen[c] = true
            if CSVValue.hasLeadingZero(f) { canInt[c] = false; canNumeric[c] = false; becameText = true; continue }
            if canInt[c] && CSVValue.integer(f) == nil { canInt[c] = false }
            if !canInt[c] && CSVValue.decimal(f) == nil { canNumeric[c] = false; becameText = true }
        }
        if becameText { open.removeAll { !canNumeric[$0] } }
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
