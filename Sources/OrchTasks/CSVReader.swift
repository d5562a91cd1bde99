/// A small RFC 4180 CSV reader over bytes in memory: quoted fields with
/// `""` escapes, quoted newlines, LF or CRLF line ends. It hands each record
/// to a closure with the line it started on and its raw range (for
/// rejected-row reports). Unquoted fields point straight into the input;
/// only quoted fields are copied (unescaped), so a record costs no
/// allocation once the buffers have grown.
public struct CSVReader {
    public struct Record {
        /// 1-based line where the record starts (the header is line 1).
        public var line: Int = 1
        /// The record's range in the input, for reports.
        public var rawRange: Range<Int> = 0..<0
        fileprivate var input: UnsafeBufferPointer<UInt8>
        /// Unescaped bytes of quoted fields.
        fileprivate var scratch: [UInt8] = []
        /// Per field: start and end, in the input (unquoted) or in `scratch` (quoted).
        fileprivate var starts: [Int] = []
        fileprivate var ends: [Int] = []
        /// Whether each field was quoted (a quoted empty field is an empty string, not NULL).
        public fileprivate(set) var quoted: [Bool] = []
        /// A quoted field ran to the end of the input without its closing quote.
        public fileprivate(set) var unterminated = false

        public var count: Int { ends.count }

        /// The field's bytes; valid only inside the `forEach` closure.
        public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
            if quoted[i] {
                return scratch.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[starts[i]..<ends[i]]) }
            }
            return UnsafeBufferPointer(rebasing: input[starts[i]..<ends[i]])
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
        try input.withUnsafeBufferPointer { buf in
            var record = Record(input: buf)
            record.scratch.reserveCapacity(512)
            record.starts.reserveCapacity(32)
            record.ends.reserveCapacity(32)
            record.quoted.reserveCapacity(32)
            let n = buf.count
            let quote = UInt8(ascii: "\""), cr: UInt8 = 13, lf: UInt8 = 10
            let delimiter = self.delimiter
            var i = 0
            var line = 1
            while i < n {
                // Skip blank lines.
                if buf[i] == lf { i += 1; line += 1; continue }
                if buf[i] == cr && i + 1 < n && buf[i + 1] == lf { i += 2; line += 1; continue }
                record.line = line
                record.scratch.removeAll(keepingCapacity: true)
                record.starts.removeAll(keepingCapacity: true)
                record.ends.removeAll(keepingCapacity: true)
                record.quoted.removeAll(keepingCapacity: true)
                record.unterminated = false
                let start = i
                while true {
                    if i < n && buf[i] == quote {
                        i += 1
                        let from = record.scratch.count
                        var closed = false
                        while i < n {
                            let b = buf[i]
                            if b == quote {
                                if i + 1 < n && buf[i + 1] == quote { record.scratch.append(quote); i += 2; continue }
                                i += 1
                                closed = true
                                break
                            }
                            if b == lf { line += 1 }
                            record.scratch.append(b)
                            i += 1
                        }
                        if !closed { record.unterminated = true }
                        // Anything between the closing quote and the delimiter is kept, as lenient readers do.
                        while i < n && buf[i] != delimiter && buf[i] != lf && buf[i] != cr {
                            record.scratch.append(buf[i]); i += 1
                        }
                        record.starts.append(from)
                        record.ends.append(record.scratch.count)
                        record.quoted.append(true)
                    } else {
                        var j = i
                        while j < n {
                            let b = buf[j]
                            if b == delimiter || b == lf || b == cr { break }
                            j += 1
                        }
                        record.starts.append(i)
                        record.ends.append(j)
                        record.quoted.append(false)
                        i = j
                    }
                    guard i < n && buf[i] == delimiter else { break }
                    i += 1
                    if i == n || buf[i] == lf || buf[i] == cr {
                        // A trailing delimiter: one more, empty field.
                        record.starts.append(i)
                        record.ends.append(i)
                        record.quoted.append(false)
                        break
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
