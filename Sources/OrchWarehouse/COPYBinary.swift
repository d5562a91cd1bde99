/// COPY's binary format, for loads whose column types orch chose itself
/// (a `replace` builds its own staging table): the server then checks
/// lengths instead of parsing text, which is most of a text COPY's cost
/// (Online_Sales.csv here: about 45 ms binary against 65–85 ms text or CSV).
/// Layout: a header, then per row a 16-bit field count and per field a
/// 32-bit length (-1 for NULL) and the value in the type's `recv` form,
/// then a trailer. Every integer is big-endian.
public enum COPYBinary {
    /// The 11-byte signature, 32-bit flags (0: no OIDs) and header extension length (0).
    public static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// A field count of -1 ends the data.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    @inlinable
    public static func appendInt16(_ v: Int16, to out: inout [UInt8]) {
        let u = UInt16(bitPattern: v)
        out.append(UInt8(u >> 8)); out.append(UInt8(u & 0xFF))
    }

    @inlinable
    public static func appendInt32(_ v: Int32, to out: inout [UInt8]) {
        let u = UInt32(bitPattern: v)
        out.append(UInt8(u >> 24)); out.append(UInt8(u >> 16 & 0xFF)); out.append(UInt8(u >> 8 & 0xFF)); out.append(UInt8(u & 0xFF))
    }

    @inlinable
    public static func appendInt64(_ v: Int64, to out: inout [UInt8]) {
        appendInt32(Int32(truncatingIfNeeded: v >> 32), to: &out)
        appendInt32(Int32(truncatingIfNeeded: v), to: &out)
    }

    /// Starts a row of `fields` fields.
    @inlinable
    public static func beginRow(fields: Int, to out: inout [UInt8]) { appendInt16(Int16(fields), to: &out) }

    /// A NULL field.
    @inlinable
    public static func appendNull(to out: inout [UInt8]) { appendInt32(-1, to: &out) }

    /// A field whose value `body` appends; its length is written in front of it afterwards.
    @inlinable
    public static func appendField(to out: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        let at = out.count
        out.append(contentsOf: [0, 0, 0, 0] as [UInt8])
        body(&out)
        let length = UInt32(out.count - at - 4)
        out[at] = UInt8(length >> 24); out[at + 1] = UInt8(length >> 16 & 0xFF)
        out[at + 2] = UInt8(length >> 8 & 0xFF); out[at + 3] = UInt8(length & 0xFF)
    }

    /// `bigint`.
    @inlinable
    public static func appendInt8Field(_ v: Int64, to out: inout [UInt8]) {
        appendInt32(8, to: &out)
        appendInt64(v, to: &out)
    }

    /// `double precision` (IEEE 754 bits).
    @inlinable
    public static func appendFloat8Field(_ v: Double, to out: inout [UInt8]) {
        appendInt32(8, to: &out)
        appendInt64(Int64(bitPattern: v.bitPattern), to: &out)
    }

    /// `boolean`.
    @inlinable
    public static func appendBoolField(_ v: Bool, to out: inout [UInt8]) {
        appendInt32(1, to: &out)
        out.append(v ? 1 : 0)
    }

    /// `text`: the bytes as they are (the caller has checked they are UTF-8 without NUL).
    @inlinable
    public static func appendTextField(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        appendInt32(Int32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    /// `date`: days since 2000-01-01 of a valid proleptic Gregorian date.
    public static func appendDateField(year: Int, month: Int, day: Int, to out: inout [UInt8]) {
        appendInt32(4, to: &out)
        appendInt32(Int32(daysSince2000(year: year, month: month, day: day)), to: &out)
    }

    /// Days from 2000-01-01 (PostgreSQL's epoch) to the date (H. Hinnant's days_from_civil).
    public static func daysSince2000(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468 - 10_957
    }

    /// The most digits `numeric` holds before and after the point (PostgreSQL's limits).
    public static let numericMaxIntegerDigits = 131_072, numericMaxFractionDigits = 16_383

    /// `numeric` from plain decimal text (an optional sign, digits, an
    /// optional point and digits: what `CSVValue.decimal` accepts), exactly
    /// as `numeric_in` reads it: the display scale is the number of digits
    /// written after the point. Returns false, appending nothing, if the text
    /// has more digits than `numeric` holds.
    public static func appendNumericField(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        var i = 0
        var negative = false
        if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        let integerStart = i
        while i < text.count, text[i] != UInt8(ascii: ".") { i += 1 }
        var integer = UnsafeBufferPointer(rebasing: text[integerStart..<i])
        let fraction = i < text.count ? UnsafeBufferPointer(rebasing: text[(i + 1)...]) : UnsafeBufferPointer(rebasing: text[i..<i])
        var leadingZeros = 0
        while leadingZeros < integer.count, integer[leadingZeros] == UInt8(ascii: "0") { leadingZeros += 1 }
        integer = UnsafeBufferPointer(rebasing: integer[leadingZeros...])
        guard integer.count <= numericMaxIntegerDigits, fraction.count <= numericMaxFractionDigits else { return false }

        // Base-10000 digits: the integer part grouped from the point leftwards, the fraction rightwards.
        var digits: [Int16] = []
        digits.reserveCapacity((integer.count + 3) / 4 + (fraction.count + 3) / 4)
        let integerGroups = (integer.count + 3) / 4
        var position = integer.count - integerGroups * 4   // may start before the text: those digits are 0
        for _ in 0..<integerGroups {
            var group = 0
            for k in position..<(position + 4) { group = group * 10 + (k >= 0 ? Int(integer[k] &- UInt8(ascii: "0")) : 0) }
            digits.append(Int16(group))
            position += 4
        }
        var weight = integerGroups - 1
        position = 0
        while position < fraction.count {
            var group = 0
            for k in position..<(position + 4) { group = group * 10 + (k < fraction.count ? Int(fraction[k] &- UInt8(ascii: "0")) : 0) }
            digits.append(Int16(group))
            position += 4
        }
        // PostgreSQL stores no leading or trailing zero digits (and zero as no digits at all, positive).
        var first = 0
        while first < digits.count, digits[first] == 0 { first += 1; weight -= 1 }
        var end = digits.count
        while end > first, digits[end - 1] == 0 { end -= 1 }
        let kept = digits[first..<end]
        if kept.isEmpty { weight = 0; negative = false }

        appendField(to: &out) { out in
            appendInt16(Int16(kept.count), to: &out)
            appendInt16(Int16(weight), to: &out)
            appendInt16(negative ? 0x4000 : 0, to: &out)
            appendInt16(Int16(fraction.count), to: &out)
            for d in kept { appendInt16(d, to: &out) }
        }
        return true
    }
}
