/// PostgreSQL's COPY text format, byte by byte: the one encoder every load
/// into the warehouse uses (`WarehouseSession.copy` sends what it builds).
/// Inlinable: it runs once per value on the ingest path.
public enum COPYText {
    /// Between the fields of a row.
    public static let fieldSeparator: UInt8 = 9
    /// After each row.
    public static let rowEnd: UInt8 = 10

    /// NULL (`\N`).
    @inlinable
    public static func appendNull(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "N"))
    }

    /// Appends `field` with backslash and every control character that COPY
    /// reads specially escaped, so no value can end a field or a row early.
    @inlinable
    public static func appendEscaped(_ field: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        // Most values need no escaping: copy them whole.
        if !field.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 14 }) {
            out.append(contentsOf: field)
            return
        }
        for b in field {
            switch b {
            case UInt8(ascii: "\\"): out.append(b); out.append(b)
            case 8: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 9: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 10: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 11: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "v"))
            case 12: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 13: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            default: out.append(b)
            }
        }
    }

    /// One whole row of text values (nil is NULL), each escaped.
    public static func appendRow(_ values: [String?], to out: inout [UInt8]) {
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(fieldSeparator) }
            guard let value else { appendNull(to: &out); continue }
            Array(value.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &out) }
        }
        out.append(rowEnd)
    }
}
