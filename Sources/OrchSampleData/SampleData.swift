import Foundation
import OrchRandom

/// A deterministic stand-in for the marketing data set: five CSV files with
/// the real files' row counts, columns and (heavy-tailed) distributions.
/// Same seed, same bytes.
public struct SampleData: Sendable {
    public static let customerCount = 1_468
    public static let salesLines = 52_924
    public static let transactions = 25_061
    public static let firstTransactionID = 16_679
    public static let days = 365

    public struct File: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public var rows: Int
    }

    /// A bad line put into `Online_Sales.csv` on request.
    public struct BadRow: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, CaseIterable {
            case unparseableDate = "unparseable date"
            case negativeQuantity = "negative quantity"
            case shortLine = "short line"
            case badNumber = "bad number"
            case unknownCustomer = "unknown customer id"
        }
        /// 1-based line number in the file (the header is line 1).
        public var line: Int
        public var kind: Kind
        public var text: String
        public var description: String { "Online_Sales.csv line \(line): \(kind.rawValue): \(text)" }
    }

    public var files: [File]
    public var badRows: [BadRow]

    /// The most bad lines `generate` injects (more is clamped): each needs a good line to stand beside.
    public static let maxBadRows = 10_000

    /// Generates the data set.
    /// - Parameters:
    ///   - seed: same seed, same bytes.
    ///   - badRows: extra bad lines to inject into `Online_Sales.csv`, cycling through the kinds
    ///     (the first four are caught by the loader; unknown customers by data tests).
    public static func generate(seed: UInt64 = 42, badRows: Int = 0) -> SampleData {
        var rng = SeededRandom(seed: seed)
        let customers = makeCustomers(&rng)
        let products = makeProducts(&rng)
        var sales = makeSales(&rng, customers: customers, products: products)
        var bad: [BadRow] = []
        if badRows > 0 {
            var badRNG = SeededRandom(seed: seed ^ 0xBAD0_BAD0)
            bad = injectBadRows(min(badRows, maxBadRows), into: &sales, rng: &badRNG)
        }
        var salesCSV = CSVText(capacity: 6_000_000)
        salesCSV.raw("CustomerID,Transaction_ID,Transaction_Date,Product_SKU,Product_Description,Product_Category,Quantity,Avg_Price,Delivery_Charges,Coupon_Status\n")
        for line in sales { salesCSV.raw(line); salesCSV.newline() }
        return SampleData(files: [
            File(name: "CustomersData.csv", bytes: customersCSV(customers), rows: customers.count),
            File(name: "Online_Sales.csv", bytes: salesCSV.bytes, rows: sales.count),
            File(name: "Marketing_Spend.csv", bytes: marketingSpendCSV(&rng), rows: days),
            File(name: "Discount_Coupon.csv", bytes: couponCSV(), rows: 12 * Catalog.categories.filter { $0.couponPrefix != nil }.count),
            File(name: "Tax_amount.csv", bytes: taxCSV(), rows: Catalog.categories.count),
        ], badRows: bad)
    }

    /// Writes the files into `directory` (created if needed).
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in files {
            try Data(file.bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent(file.name), options: .atomic)
        }
    }

    // MARK: customers

    struct Customer {
        var id: Int
        var gender: String
        var location: String
        var tenure: Int
        /// Transactions outside the one-per-day backbone.
        var purchases: Int = 0
        var windowStart = 0
        var windowLength = 365
    }

    static func makeCustomers(_ rng: inout SeededRandom) -> [Customer] {
        var ids = Array(12_346...18_283)
        rng.shuffle(&ids)
        let chosen = ids.prefix(customerCount).sorted()
        var tenures = Array(2...50) // every tenure appears at least once
        while tenures.count < customerCount { tenures.append(rng.int(2...50)) }
        rng.shuffle(&tenures)
        let locationWeights = cumulative(Catalog.locations.map(\.1))
        var customers = chosen.enumerated().map { i, id in
            Customer(id: id, gender: rng.unit() < 0.64 ? "F" : "M",
                     location: Catalog.locations[rng.pick(cumulative: locationWeights)].0, tenure: tenures[i])
        }
        // Heavy-tailed purchase counts: most buy once or twice, a few buy hundreds of times.
        let weights = customers.map { _ in _exp(1.15 * rng.normal()) }
        let counts = apportion(transactions - days, weights: weights, minimum: 1)
        for i in customers.indices {
            customers[i].purchases = counts[i]
            let length = min(days, 20 + Int(Double(counts[i]) * (6 + 30 * rng.unit())))
            customers[i].windowLength = length
            customers[i].windowStart = rng.int(0...(days - length))
        }
        return customers
    }

    static func customersCSV(_ customers: [Customer]) -> [UInt8] {
        var csv = CSVText(capacity: 40_000)
        csv.raw("CustomerID,Gender,Location,Tenure_Months\n")
        for c in customers {
            csv.int(c.id); csv.comma(); csv.raw(c.gender); csv.comma(); csv.field(c.location); csv.comma()
            csv.int(c.tenure); csv.newline()
        }
        return csv.bytes
    }

    // MARK: products

    struct Product {
        var sku: String
        var description: String
        var category: Int
        var priceCents: Int
    }

    static func makeProducts(_ rng: inout SeededRandom) -> [Product] {
        let categories = Catalog.categories
        let descriptionCounts = apportion(404, weights: categories.map { Double($0.skus) }, minimum: 1)
        var seenSKU = Set<String>()
        var products: [Product] = []
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        // 546 distinct price points; each SKU takes the one nearest its own draw.
        var pricePool = Set<Int>()
        while pricePool.count < 546 {
            let cents = Int(_exp(5.0 + 4.8 * rng.unit()).rounded())
            let snapped = rng.unit() < 0.5 ? (cents / 100) * 100 + 99 : cents
            pricePool.insert(max(99, snapped))
        }
        let prices = pricePool.sorted()
        for (c, category) in categories.enumerated() {
            let descriptions = (0..<descriptionCounts[c]).map { k -> String in
                let a = Catalog.adjectives.count, n = category.nouns.count
                var text = "\(category.brand) \(Catalog.adjectives[k % a]) \(category.nouns[(k / a) % n])"
                if k >= a * n { text += " \(k / (a * n) + 1)" }
                // A few carry commas and quotes, as real product names do.
                if k % 37 == 5 { text += ", Size \(["S", "M", "L", "XL"][k % 4])" }
                if k % 53 == 7 { text += " \"Limited\"" }
                return text
            }
            for s in 0..<category.skus {
                var sku: String
                repeat {
                    sku = "GGOE" + String((0..<4).map { _ in letters[rng.int(0...25)] }) + String(format: "%06d", rng.int(0...999_999))
                } while !seenSKU.insert(sku).inserted
                let description = s < descriptions.count ? descriptions[s] : descriptions[rng.int(0...(descriptions.count - 1))]
                let draw = Double(category.medianPrice) * _exp(0.45 * rng.normal())
                let price = nearest(prices, to: Int(draw))
                products.append(Product(sku: sku, description: description, category: c, priceCents: price))
            }
        }
        return products
    }

    static func nearest(_ sorted: [Int], to value: Int) -> Int {
        var lo = 0, hi = sorted.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        if lo > 0 && abs(sorted[lo - 1] - value) < abs(sorted[lo] - value) { return sorted[lo - 1] }
        return sorted[lo]
    }

    // MARK: sales

    /// Seasonal weight of a day: busier in Q4 and mid-week.
    static func dayWeight(_ day: Int) -> Double {
        let q4 = day >= 273 ? 1.4 : 1.0
        let weekday = (day + 1) % 7 // 2019-01-01 was a Tuesday
        return q4 * (weekday == 5 || weekday == 6 ? 0.85 : 1.0)
    }

    static func makeSales(_ rng: inout SeededRandom, customers: [Customer], products: [Product]) -> [String] {
        // One transaction per day keeps every day of the year present.
        var txDays: [(day: Int, customer: Int, order: Double)] = []
        txDays.reserveCapacity(transactions)
        let byPurchases = cumulative(customers.map { Double($0.purchases) })
        let busiest = customers.indices.max { customers[$0].purchases < customers[$1].purchases }!
        for day in 0..<days {
            var chosen = busiest
            for _ in 0..<30 {
                let c = rng.pick(cumulative: byPurchases)
                if day >= customers[c].windowStart && day < customers[c].windowStart + customers[c].windowLength {
                    chosen = c
                    break
                }
            }
            txDays.append((day, chosen, rng.unit()))
        }
        for (c, customer) in customers.enumerated() {
            for _ in 0..<customer.purchases {
                var day: Int
                repeat {
                    day = customer.windowStart + rng.int(0...(customer.windowLength - 1))
                } while rng.unit() * 1.4 > dayWeight(day)
                txDays.append((day, c, rng.unit()))
            }
        }
        txDays.sort { $0.day != $1.day ? $0.day < $1.day : $0.order < $1.order }

        let extra = apportion(salesLines - transactions, weights: txDays.map { _ in _exp(1.2 * rng.normal()) }, minimum: 0)
        let categoryWeight = Catalog.categories.map(\.weight)
        var rankInCategory = [Int](repeating: 0, count: Catalog.categories.count)
        let popularity = cumulative(products.map { p in
            let rank = rankInCategory[p.category]
            rankInCategory[p.category] += 1
            return categoryWeight[p.category] / Double(Catalog.categories[p.category].skus) * 3 / pow(Double(rank + 1), 0.6)
        })
        var lineProducts = (0..<salesLines).map { _ in rng.pick(cumulative: popularity) }
        // Every SKU sold at least once.
        var sold = Set(lineProducts)
        for p in products.indices where !sold.contains(p) {
            var line: Int
            repeat { line = rng.int(0...(salesLines - 1)) } while products[lineProducts[line]].sku == products[p].sku
            lineProducts[line] = p
            sold.insert(p)
        }
        sold = Set(lineProducts)

        var lines: [String] = []
        lines.reserveCapacity(salesLines)
        var lineIndex = 0
        for (t, tx) in txDays.enumerated() {
            let id = firstTransactionID + t
            let (month, dayOfMonth) = Catalog.date(dayOfYear: tx.day)
            let date = "\(month)/\(dayOfMonth)/2019"
            let delivery = rng.unit() < 0.6 ? 650 : 600 + 50 * rng.int(0...265)
            let customerID = customers[tx.customer].id
            for _ in 0...extra[t] {
                let product = products[lineProducts[lineIndex]]
                lineIndex += 1
                let quantity: Int
                if rng.unit() < 0.5 { quantity = 1 } else {
                    quantity = min(900, 1 + Int(pow(1 - rng.unit(), -1 / 0.9)))
                }
                let u = rng.unit()
                let coupon = u < 0.51 ? "Clicked" : (u < 0.85 ? "Used" : "Not Used")
                var csv = CSVText(capacity: 160)
                csv.int(customerID); csv.comma(); csv.int(id); csv.comma(); csv.raw(date); csv.comma()
                csv.raw(product.sku); csv.comma(); csv.field(product.description); csv.comma()
                csv.field(Catalog.categories[product.category].name); csv.comma(); csv.int(quantity); csv.comma()
                csv.money(product.priceCents); csv.comma(); csv.money(delivery); csv.comma(); csv.raw(coupon)
                lines.append(String(decoding: csv.bytes, as: UTF8.self))
            }
        }
        return lines
    }

    /// At most one bad line per good one: more positions than lines cannot be drawn.
    static func injectBadRows(_ requested: Int, into lines: inout [String], rng: inout SeededRandom) -> [BadRow] {
        let count = min(requested, lines.count)
        var positions = Set<Int>()
        while positions.count < count { positions.insert(rng.int(0...(lines.count - 1))) }
        var injected: [(index: Int, kind: BadRow.Kind, text: String)] = []
        for (n, position) in positions.sorted().enumerated() {
            let kind = BadRow.Kind.allCases[n % BadRow.Kind.allCases.count]
            var fields = CSVFieldSplitter.split(lines[position])
            switch kind {
            case .unparseableDate: fields[2] = "13/45/2019"
            case .negativeQuantity: fields[6] = "-\(fields[6])"
            case .shortLine: fields = Array(fields.prefix(4))
            case .badNumber: fields[7] = fields[7] + "x"
            case .unknownCustomer: fields[0] = "99999"
            }
            var csv = CSVText(capacity: 160)
            for (i, f) in fields.enumerated() { if i > 0 { csv.comma() }; csv.field(f) }
            injected.append((position, kind, String(decoding: csv.bytes, as: UTF8.self)))
        }
        // Insert from the end so earlier positions stay valid; then number the lines.
        for bad in injected.reversed() { lines.insert(bad.text, at: bad.index) }
        return injected.enumerated().map { n, bad in
            BadRow(line: bad.index + n + 2, kind: bad.kind, text: bad.text)
        }
    }

    // MARK: small files

    static func marketingSpendCSV(_ rng: inout SeededRandom) -> [UInt8] {
        var csv = CSVText(capacity: 12_000)
        csv.raw("Date,Offline_Spend,Online_Spend\n")
        let offline = cumulative([1, 2, 4, 6, 7, 6, 5, 3, 2, 1, 1])
        for day in 0..<days {
            let (m, d) = Catalog.date(dayOfYear: day)
            let off = 500 * (1 + rng.pick(cumulative: offline))
            let on = Int((Double(160_000) * dayWeight(day) * _exp(0.35 * rng.normal())).rounded())
            csv.raw("\(m)/\(d)/2019,\(off),"); csv.raw(String(format: "%d.%02d", on / 100, on % 100)); csv.newline()
        }
        return csv.bytes
    }

    static func couponCSV() -> [UInt8] {
        var csv = CSVText(capacity: 8_000)
        csv.raw("Month,Product_Category,Coupon_Code,Discount_pct\n")
        for (m, month) in Catalog.months.enumerated() {
            for (c, category) in Catalog.categories.enumerated() {
                guard let prefix = category.couponPrefix else { continue }
                let pct = [10, 20, 30][(m + c) % 3]
                csv.row([month, category.name, "\(prefix)\(pct)", String(pct)])
            }
        }
        return csv.bytes
    }

    static func taxCSV() -> [UInt8] {
        var csv = CSVText(capacity: 1_000)
        csv.raw("Product_Category,GST\n")
        for category in Catalog.categories { csv.row([category.name, category.gst]) }
        return csv.bytes
    }
}

/// Splits one CSV line into fields (quotes honoured); used to corrupt lines.
enum CSVFieldSplitter {
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { current.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(current); current = "" } else { current.append(next) }
                        }
                    } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else { current.append(c) }
        }
        fields.append(current)
        return fields
    }
}
