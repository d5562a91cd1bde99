/// A small RFC 4180 CSV reader over bytes in memory: quoted fields with
/// `""` escapes, quoted newlines, LF or CRLF line ends. It hands each record
/// to a closure as unescaped field bytes, with the line it started on and
/// its raw text (for rejected-row reports), without allocating per field.
public struct CSVReader {
    public struct Record {
        /// 1-based line where the record starts (the header is line 1).
        public var line: Int
        /// Unescaped bytes of all fields, back to back.
        public var bytes: [UInt8] = []
        /// End offset in `bytes` of each field.
        public var ends: [Int] = []
        /// Whether each field was quoted (a quoted empty field is an empty string, not NULL).
        public var quoted: [Bool] = []
        /// The record's range in the input, for reports.
        public var rawRange: Range<Int> = 0..<0

        public var count: Int { ends.count }

        public func field(_ i: Int) -> ArraySlice<UInt8> {
            bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]]
        }

        public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }
    }

    public let input: [UInt8]
    public let delimiter: UInt8

    public init(_ input: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) {
        self.input = input
        self.delimiter = delimiter
    }

    /// Calls `body` for every record (the header included), in order.
    /// Blank lines are skipped. Stops early if `body` returns false.
    public func forEach(_ body: (borrowing Record) throws -> Bool) rethrows {
        var record = Record(line: 1)
        record.bytes.reserveCapacity(512)
        record.ends.reserveCapacity(32)
        record.quoted.reserveCapacity(32)
        let n = input.count
        var i = 0
        var line = 1
        let quote = UInt8(ascii: "\""), cr: UInt8 = 13, lf: UInt8 = 10
        try input.withUnsafeBufferPointer { buf in
            while i < n {
                // Skip blank lines.
                if buf[i] == lf { i += 1; line += 1; continue }
                if buf[i] == cr && i + 1 < n && buf[i + 1] == lf { i += 2; line += 1; continue }
                record.line = line
                record.bytes.removeAll(keepingCapacity: true)
                record.ends.removeAll(keepingCapacity: true)
                record.quoted.removeAll(keepingCapacity: true)
                let start = i
                var endOfRecord = false
                while !endOfRecord {
                    var wasQuoted = false
                    if i < n && buf[i] == quote {
                        wasQuoted = true
                        i += 1
                        while i < n {
                            let b = buf[i]
                            if b == quote {
                                if i + 1 < n && buf[i + 1] == quote { record.bytes.append(quote); i += 2; continue }
                                i += 1
                                break
                            }
                            if b == lf { line += 1 }
                            record.bytes.append(b)
                            i += 1
                        }
                        // Anything between the closing quote and the delimiter is kept, as lenient readers do.
                        while i < n && buf[i] != delimiter && buf[i] != lf && buf[i] != cr {
                            record.bytes.append(buf[i]); i += 1
                        }
                    } else {
                        // Fast path: copy up to the next delimiter or line end.
                        var j = i
                        while j < n {
                            let b = buf[j]
                            if b == delimiter || b == lf || b == cr { break }
                            j += 1
                        }
                        record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
                        i = j
                    }
                    record.ends.append(record.bytes.count)
                    record.quoted.append(wasQuoted)
                    if i < n && buf[i] == delimiter {
                        i += 1
                        if i == n { record.ends.append(record.bytes.count); record.quoted.append(false) }
                    } else {
                        endOfRecord = true
                    }
                }
                record.rawRange = start..<i
                if i < n && buf[i] == cr { i += 1 }
                if i < n && buf[i] == lf { i += 1 }
                line += 1
                if try !body(record) { return }
            }
        }
    }
}
