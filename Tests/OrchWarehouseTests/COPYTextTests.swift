import Testing
@testable import OrchWarehouse

@Suite("COPY text encoding")
struct COPYTextTests {
    static func row(_ values: [String?]) -> String {
        var out: [UInt8] = []
        COPYText.appendRow(values, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("fields are tab-separated, the row ends with a newline, nil is \\N")
    func row() {
        #expect(Self.row(["1", nil, "Champions (VIPs)"]) == "1\t\\N\tChampions (VIPs)\n")
    }

    @Test("backslash and the control characters COPY reads specially are escaped", arguments: [
        ("a\\b", "a\\\\b"), ("a\tb", "a\\tb"), ("a\nb", "a\\nb"), ("a\rb", "a\\rb"), ("\u{8}\u{B}\u{C}", "\\b\\v\\f"), ("é,\"x\"", "é,\"x\""),
    ])
    func escaping(value: String, encoded: String) {
        #expect(Self.row([value]) == encoded + "\n")
    }
}
