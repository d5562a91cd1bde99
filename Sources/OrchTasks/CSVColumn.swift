import OrchWarehouse
/// A column of a CSV load: its SQL name and type, and the checks each value
/// must pass. Values are validated and encoded into COPY text format here,
/// so that bad rows are found before the database is touched.
public struct CSVColumn: Sendable, Hashable {
    public enum ColumnType: String, Sendable, Hashable, CaseIterable {
        case text, int, numeric, double, bool, date, timestamp

        var sql: String {
            switch self {
            case .text: return "text"
            case .int: return "bigint"
            case .numeric: return "numeric"
            case .double: return "double precision"
            case .bool: return "boolean"
            case .date: return "date"
            case .timestamp: return "timestamptz"
            }
        }
    }

    public enum DateFormat: String, Sendable, Hashable, CaseIterable {
        case mdy = "M/D/YYYY"
        case iso = "YYYY-MM-DD"
    }

    public var name: String
    public var type: ColumnType
    public var dateFormat: DateFormat = .mdy
    public var min: Double?
    public var max: Double?
    /// An empty value is an error rather than NULL.
    public var required = false

    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }

    /// A field that passed its column's checks, ready for either COPY format.
    enum Checked {
        case null
        /// Text and timestamps: the bytes as they are.
        case bytes(UnsafeBufferPointer<UInt8>)
        case integer(Int64, UnsafeBufferPointer<UInt8>)
        /// A plain decimal (numeric, double), its digits as written.
        case decimal(UnsafeBufferPointer<UInt8>)
        case bool(Bool)
        case date(year: Int, month: Int, day: Int)
        /// Why the row is rejected.
        case bad(String)
    }

    /// Checks a field against the column's type and limits.
    func check(_ field: UnsafeBufferPointer<UInt8>, quoted: Bool) -> Checked {
        if field.isEmpty && !(quoted && type == .text) {
            return required ? .bad("\(name) is empty") : .null
        }
        switch type {
        case .text:
            if let reason = CSVValue.unstorable(field) { return .bad("\(name): \(reason)") }
            return .bytes(field)
        case .int:
            guard let value = CSVValue.integer(field) else { return .bad("\(name): `\(text(field))` is not a whole number") }
            if let reason = checkRange(Double(value), field) { return .bad(reason) }
            return .integer(value, field)
        case .numeric, .double:
            guard let value = CSVValue.decimal(field) else { return .bad("\(name): `\(text(field))` is not a number") }
            // Past numeric's limits the server would refuse the whole COPY: refuse the row instead.
            if type == .numeric, !CSVValue.fitsNumeric(field) { return .bad("\(name): `\(text(field))` has more digits than numeric holds") }
            if let reason = checkRange(value, field) { return .bad(reason) }
            return .decimal(field)
        case .bool:
            switch text(field).lowercased() {
            case "true", "t", "yes", "y", "1": return .bool(true)
            case "false", "f", "no", "n", "0": return .bool(false)
            default: return .bad("\(name): `\(text(field))` is not true or false")
            }
        case .date:
            guard let (y, m, d) = CSVValue.date(field, format: dateFormat) else {
                return .bad("\(name): `\(text(field))` is not a date in \(dateFormat.rawValue) form")
            }
            return .date(year: y, month: m, day: d)
        case .timestamp:
            // Checked whole, then escaped anyway: nothing a field holds can reach COPY's framing.
            guard CSVValue.isTimestamp(field) else { return .bad("\(name): `\(text(field))` is not an ISO 8601 timestamp") }
            return .bytes(field)
        }
    }

    /// Whether COPY's binary format can carry this column (a timestamp without
    /// a zone is read in the session's zone: the server must parse it).
    var hasBinaryForm: Bool { type != .timestamp }

    /// Appends the value in `format` to `out` (a binary field with its
    /// length); returns why it is bad, or nil.
    func encode(_ field: UnsafeBufferPointer<UInt8>, quoted: Bool, format: WarehouseSession.COPYFormat, into out: inout [UInt8]) -> String? {
        let checked = check(field, quoted: quoted)
        switch (checked, format) {
        case let (.bad(reason), _):
            return reason
        case (.null, .text):
            COPYText.appendNull(to: &out)
        case (.null, .binary):
            COPYBinary.appendNull(to: &out)
        case let (.bytes(bytes), .text), let (.integer(_, bytes), .text), let (.decimal(bytes), .text):
            COPYText.appendEscaped(bytes, to: &out)
        case let (.bool(value), .text):
            out.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case let (.date(y, m, d), .text):
            CSVValue.appendDigits(y, width: 4, to: &out)
            out.append(UInt8(ascii: "-"))
            CSVValue.appendDigits(m, width: 2, to: &out)
            out.append(UInt8(ascii: "-"))
            CSVValue.appendDigits(d, width: 2, to: &out)
        case let (.bytes(bytes), .binary):
            COPYBinary.appendTextField(bytes, to: &out)
        case let (.integer(value, _), .binary):
            COPYBinary.appendInt8Field(value, to: &out)
        case let (.decimal(bytes), .binary):
            if type == .double {
                // The server's float8in is correctly rounded, and so is Swift's parser: the same bits.
                guard let value = Double(String(decoding: bytes, as: UTF8.self)) else { return "\(name): `\(text(bytes))` is not a number" }
                COPYBinary.appendFloat8Field(value, to: &out)
            } else if !COPYBinary.appendNumericField(bytes, to: &out) {
                return "\(name): `\(text(bytes))` has more digits than numeric holds"
            }
        case let (.bool(value), .binary):
            COPYBinary.appendBoolField(value, to: &out)
        case let (.date(y, m, d), .binary):
            COPYBinary.appendDateField(year: y, month: m, day: d, to: &out)
        }
        return nil
    }

    private func checkRange(_ value: Double, _ field: UnsafeBufferPointer<UInt8>) -> String? {
        if let min, value < min { return "\(name): \(text(field)) is below the minimum \(CSVValue.format(min))" }
        if let max, value > max { return "\(name): \(text(field)) is above the maximum \(CSVValue.format(max))" }
        return nil
    }

    private func text(_ field: UnsafeBufferPointer<UInt8>) -> String {
        let s = String(decoding: field, as: UTF8.self)
        return s.count > 40 ? String(s.prefix(37)) + "..." : s
    }
}

/// Byte-level parsers for CSV values (no String per value on the hot path).
enum CSVValue {
    /// Why Postgres would refuse the whole COPY for this text (a NUL byte,
    /// bytes that are not UTF-8), so the row is rejected instead; nil if fine.
    static func unstorable(_ field: UnsafeBufferPointer<UInt8>) -> String? {
        var ascii = true
        for b in field {
            if b == 0 { return "contains a NUL byte, which PostgreSQL text cannot hold" }
            if b >= 0x80 { ascii = false }
        }
        if ascii { return nil }
        var iterator = field.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return nil
            case .error: return "is not valid UTF-8"
            }
        }
    }

    /// `YYYY-MM-DD`, optionally followed by `T` or a space, `hh:mm[:ss[.fraction]]`
    /// and a zone (`Z`, `+hh`, `+hh:mm`, `+hhmm`): shapes Postgres reads
    /// unambiguously. Anything else is a bad value (a rejected row), not a failed load.
    static func isTimestamp(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
        guard f.count >= 10, date(UnsafeBufferPointer(rebasing: f[0..<10]), format: .iso) != nil else { return false }
        var i = 10
        if i == f.count { return true }
        guard f[i] == UInt8(ascii: "T") || f[i] == UInt8(ascii: " ") else { return false }
        i += 1
        func digits(_ n: Int, max: Int) -> Bool {
            guard i + n <= f.count else { return false }
            var v = 0
            for k in 0..<n {
                let d = f[i + k] &- UInt8(ascii: "0")
                guard d <= 9 else { return false }
                v = v * 10 + Int(d)
            }
            i += n
            return v <= max
        }
        func colon() -> Bool {
            guard i < f.count, f[i] == UInt8(ascii: ":") else { return false }
            i += 1
            return true
        }
        guard digits(2, max: 24), colon(), digits(2, max: 59) else { return false }
        if i < f.count, f[i] == UInt8(ascii: ":") {
            i += 1
            guard digits(2, max: 60) else { return false }
            if i < f.count, f[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < f.count, f[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
                guard i > start, i - start <= 9 else { return false }
            }
        }
        if i == f.count { return true }
        if f[i] == UInt8(ascii: "Z") { return i + 1 == f.count }
        guard f[i] == UInt8(ascii: "+") || f[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard digits(2, max: 15) else { return false }
        if i == f.count { return true }
        if f[i] == UInt8(ascii: ":") { i += 1 }
        return digits(2, max: 59) && i == f.count
    }

    /// `007`, `-0123`: digits a number type would lose (zip codes, account
    /// numbers), so inference keeps such a column as text.
    static func hasLeadingZero(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = f.startIndex
        if i < f.endIndex && (f[i] == UInt8(ascii: "-") || f[i] == UInt8(ascii: "+")) { i += 1 }
        return i + 1 < f.endIndex && f[i] == UInt8(ascii: "0") && f[i + 1] &- UInt8(ascii: "0") <= 9
    }

    static func integer(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = f.startIndex
        var negative = false
        if i < f.endIndex && (f[i] == UInt8(ascii: "-") || f[i] == UInt8(ascii: "+")) { negative = f[i] == UInt8(ascii: "-"); i += 1 }
        guard i < f.endIndex, f.endIndex - i <= 18 else { return nil }
        var v: Int64 = 0
        while i < f.endIndex {
            let d = f[i] &- UInt8(ascii: "0")
            guard d <= 9 else { return nil }
            v = v * 10 + Int64(d)
            i += 1
        }
        return negative ? -v : v
    }

    /// Plain decimals: sign, digits, optional fraction. No exponents, no thousands separators.
    static func decimal(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = f.startIndex
        var negative = false
        if i < f.endIndex && (f[i] == UInt8(ascii: "-") || f[i] == UInt8(ascii: "+")) { negative = f[i] == UInt8(ascii: "-"); i += 1 }
        var digits = 0
        var whole = 0.0, scale = 1.0, fraction = 0.0
        var seenDot = false
        while i < f.endIndex {
            let b = f[i]
            if b == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
            } else {
                let d = b &- UInt8(ascii: "0")
                guard d <= 9 else { return nil }
                digits += 1
                if seenDot { scale /= 10; fraction += Double(d) * scale } else { whole = whole * 10 + Double(d) }
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        let v = whole + fraction
        return negative ? -v : v
    }

    /// Within numeric's digits before and after the point (`decimal` has accepted the text).
    static func fitsNumeric(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
        guard f.count > COPYBinary.numericMaxFractionDigits else { return true }
        var integerDigits = 0, fractionDigits = 0, seenDot = false, significant = false
        for b in f {
            if b == UInt8(ascii: ".") { seenDot = true } else if b &- UInt8(ascii: "0") <= 9 {
                if seenDot { fractionDigits += 1 } else if significant || b != UInt8(ascii: "0") { significant = true; integerDigits += 1 }
            }
        }
        return integerDigits <= COPYBinary.numericMaxIntegerDigits && fractionDigits <= COPYBinary.numericMaxFractionDigits
    }

    static func date(_ f: UnsafeBufferPointer<UInt8>, format: CSVColumn.DateFormat) -> (Int, Int, Int)? {
        // Three numbers split by the format's separator, without allocating.
        var parts = (0, 0, 0)
        var count = 0
        var current = -1
        var digits = 0
        let separator = format == .mdy ? UInt8(ascii: "/") : UInt8(ascii: "-")
        func store(_ v: Int) -> Bool {
            switch count {
            case 0: parts.0 = v
            case 1: parts.1 = v
            case 2: parts.2 = v
            default: return false
            }
            count += 1
            return true
        }
        for b in f {
            if b == separator {
                guard current >= 0, store(current) else { return nil }
                current = -1
                digits = 0
            } else {
                let d = b &- UInt8(ascii: "0")
                guard d <= 9 else { return nil }
                digits += 1
                current = (current < 0 ? 0 : current * 10) + Int(d)
                guard current < 100_000 else { return nil }
            }
        }
        // The year has four digits in both forms: `12/31/19` is not silently year 19.
        let yearDigits = format == .mdy ? digits : 4
        guard current >= 0, store(current), count == 3, yearDigits == 4 else { return nil }
        let (y, m, d) = format == .mdy ? (parts.2, parts.0, parts.1) : (parts.0, parts.1, parts.2)
        guard (1...9999).contains(y), (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) else { return nil }
        return (y, m, d)
    }

    /// Appends `value` in decimal, zero-padded to `width`.
    static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (48, 48, 48, 48, 48, 48)
        var v = value, n = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat { buf[5 - n] = UInt8(48 + v % 10); v /= 10; n += 1 } while v > 0 && n < 6
            let start = 6 - max(n, min(width, 6))
            out.append(contentsOf: buf[start..<6])
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// `CustomerID` → `customer_id`, `Tenure_Months` → `tenure_months`, `GST` → `gst`.
    static func snakeCase(_ header: String) -> String {
        let chars = Array(header.trimmingCharacters(in: .whitespaces))
        var out = ""
        for (i, c) in chars.enumerated() {
            guard c.isLetter || c.isNumber else {
                if !out.isEmpty && out.last != "_" { out.append("_") }
                continue
            }
            if c.isUppercase && i > 0 && !out.isEmpty && out.last != "_" {
                let prev = chars[i - 1]
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                if prev.isLowercase || prev.isNumber || (prev.isUppercase && (next?.isLowercase ?? false)) { out.append("_") }
            }
            out.append(contentsOf: c.lowercased())
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out.isEmpty ? "column" : out
    }
}

import Foundation
