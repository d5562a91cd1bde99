import Testing
@testable import OrchSampleData

// One test at a time: each is seconds of CPU in a debug build, and every suite shares the two pool threads.
@Suite("Sample data generator", .serialized)
struct SampleDataTests {
    static let data = SampleData.generate(seed: 42)

    func rows(_ name: String) -> [[String]] {
        let file = Self.data.files.first { $0.name == name }!
        let text = String(decoding: file.bytes, as: UTF8.self)
        return text.split(separator: "\n").dropFirst().map { CSVFieldSplitter.split(String($0)) }
    }

    @Test("row counts match the real data set")
    func counts() {
        #expect(rows("CustomersData.csv").count == 1_468)
        #expect(rows("Online_Sales.csv").count == 52_924)
        #expect(rows("Marketing_Spend.csv").count == 365)
        #expect(rows("Discount_Coupon.csv").count == 204)
        #expect(rows("Tax_amount.csv").count == 20)
        #expect(Self.data.files.map(\.rows) == [1_468, 52_924, 365, 204, 20])
    }

    @Test("sales have the real shape: transactions, days, SKUs, customers, categories")
    func salesShape() {
        let sales = rows("Online_Sales.csv")
        #expect(sales.allSatisfy { $0.count == 10 })
        let transactions = Set(sales.map { $0[1] })
        #expect(transactions.count == 25_061)
        #expect(transactions.compactMap(Int.init).min() == 16_679)
        #expect(Set(sales.map { $0[2] }).count == 365)
        #expect(Set(sales.map { $0[3] }).count == 1_145)
        #expect(Set(sales.map { $0[3] }).allSatisfy { $0.count == 14 && $0.hasPrefix("GGOE") })
        #expect(Set(sales.map { $0[4] }).count == 404)
        #expect(Set(sales.map { $0[5] }).count == 20)
        let customers = Set(rows("CustomersData.csv").map { $0[0] })
        #expect(Set(sales.map { $0[0] }) == customers, "every customer buys, no unknown customer")
        #expect(Set(sales.map { $0[9] }) == ["Used", "Not Used", "Clicked"])
        let quantities = sales.compactMap { Int($0[6]) }
        #expect(quantities.count == sales.count && quantities.allSatisfy { $0 >= 1 })
        #expect(Set(quantities).count > 60, "heavy-tailed quantities")
    }

    @Test("purchases per customer are heavy-tailed, not uniform")
    func heavyTail() {
        var perCustomer: [String: Set<String>] = [:]
        for line in rows("Online_Sales.csv") { perCustomer[line[0], default: []].insert(line[1]) }
        let counts = perCustomer.values.map(\.count).sorted()
        let median = counts[counts.count / 2]
        #expect(counts.last! > 20 * median, "top customer \(counts.last!) vs median \(median)")
        #expect(counts.first! >= 1)
    }

    @Test("customers, spend, coupons and taxes follow the reference")
    func smallFiles() {
        let customers = rows("CustomersData.csv")
        #expect(Set(customers.map { $0[0] }).count == 1_468)
        #expect(customers.compactMap { Int($0[0]) }.allSatisfy { (12_346...18_283).contains($0) })
        #expect(Set(customers.map { $0[1] }) == ["M", "F"])
        #expect(Set(customers.map { $0[2] }) == ["Chicago", "California", "New York", "New Jersey", "Washington DC"])
        #expect(Set(customers.map { $0[3] }).count == 49)
        let spend = rows("Marketing_Spend.csv")
        #expect(Set(spend.map { $0[0] }).count == 365)
        #expect(spend.compactMap { Int($0[1]) }.allSatisfy { $0 % 500 == 0 })
        #expect(Set(spend.map { $0[1] }).count == 11)
        let coupons = rows("Discount_Coupon.csv")
        #expect(Set(coupons.map { $0[1] }).count == 17)
        #expect(Set(coupons.map { $0[2] }).count == 48)
        #expect(Set(coupons.map { $0[3] }) == ["10", "20", "30"])
        #expect(Set(coupons.map { "\($0[0])|\($0[1])" }).count == 204, "one coupon per month and category")
        let taxes = rows("Tax_amount.csv")
        #expect(Set(taxes.map { $0[0] }).count == 20)
        #expect(Set(taxes.map { $0[1] }).isSubset(of: ["0.05", "0.1", "0.12", "0.18"]))
    }

    @Test("same seed, same bytes; another seed, other bytes")
    func deterministic() {
        let again = SampleData.generate(seed: 42)
        #expect(again.files.map(\.bytes) == Self.data.files.map(\.bytes))
        let other = SampleData.generate(seed: 7)
        #expect(other.files[1].bytes != Self.data.files[1].bytes)
    }

    @Test("bad rows are injected, listed with their line, and cycle through the kinds")
    func badRows() {
        let data = SampleData.generate(seed: 42, badRows: 5)
        #expect(data.badRows.map(\.kind) == SampleData.BadRow.Kind.allCases)
        let text = String(decoding: data.files[1].bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count - 2 == 52_924 + 5)
        for bad in data.badRows {
            #expect(lines[bad.line - 1] == bad.text, "line \(bad.line) holds the injected text")
        }
        #expect(data.files[0].bytes == Self.data.files[0].bytes, "other files unchanged")
    }

    @Test("money text", arguments: [(15371, "153.71"), (650, "6.5"), (1000, "10"), (5, "0.05"), (-250, "-2.5")])
    func money(cents: Int, text: String) {
        #expect(Money.text(cents) == text)
    }
}
