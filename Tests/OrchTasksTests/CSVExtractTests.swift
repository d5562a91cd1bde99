import Foundation
import Testing
import OrchExecution
import OrchSampleData
import OrchSpec
import OrchStore
import OrchTestSupport
@testable import OrchTasks
import OrchWarehouse

@Suite("csv_extract against a real PostgreSQL")
struct CSVExtractTests {
    func count(_ store: Store, _ table: String) async throws -> Int {
        Int(try await store.warehouse.rows("SELECT count(*) FROM \(table)")[0][0] ?? "-1") ?? -1
    }

    func load(_ store: Store, dir: String, yaml: String, attempt: Int = 1) async throws -> TaskOutput {
        let body = try makeBody("kind: csv_extract\n" + yaml, directory: dir, warehouse: store.warehouse)
        return try await body.run(try context(dir, attempt: attempt))
    }

    static let salesColumns = """
    columns:
      transaction_date: { type: date, format: M/D/YYYY }
      quantity: { type: int, min: 1 }
      avg_price: { type: numeric, min: 0 }
    """

    @Test("the generated files load with exactly the reference's row counts; a second replace keeps them")
    func generatedData() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try await SampleFixture.write(to: dir)
                let expected = ["CustomersData": 1_468, "Online_Sales": 52_924, "Marketing_Spend": 365,
                                "Discount_Coupon": 204, "Tax_amount": 20]
                for round in 1...2 {
                    for (file, rows) in expected {
                        let output = try await load(store, dir: dir, yaml: "file: \(file).csv\ntable: raw.\(file.lowercased())", attempt: round)
                        #expect(output.facts["rows_loaded"] == String(rows))
                        #expect(try await count(store, "raw.\(file.lowercased())") == rows)
                    }
                }
                let types = try await store.warehouse.rows("""
                SELECT column_name, data_type FROM information_schema.columns
                WHERE table_schema = 'raw' AND table_name = 'online_sales' ORDER BY ordinal_position
                """)
                #expect(types.map { $0[0] ?? "" } == ["customer_id", "transaction_id", "transaction_date", "product_sku",
                                                     "product_description", "product_category", "quantity", "avg_price",
                                                     "delivery_charges", "coupon_status"])
                #expect(types[0][1] == "bigint", "inferred")
                #expect(types[7][1] == "numeric", "inferred")
                let quoted = try await store.warehouse.rows("SELECT count(*) FROM raw.online_sales WHERE product_description LIKE '%, Size %'")
                #expect(quoted[0][0] != "0", "quoted fields with commas survive")
            }
        }
    }

    @Test("3 bad rows within max_bad_rows load the rest and list the 3 with line and reason")
    func badRowsWithinLimit() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                let data = await SampleFixture.data(badRows: 3)
                try await SampleFixture.write(to: dir, badRows: 3)
                let output = try await load(store, dir: dir, yaml: "file: Online_Sales.csv\ntable: raw.sales\nmax_bad_rows: 5\n" + Self.salesColumns)
                #expect(output.facts["rows_read"] == "52927")
                #expect(output.facts["rows_rejected"] == "3")
                #expect(output.facts["rows_loaded"] == "52924")
                #expect(try await count(store, "raw.sales") == 52_924)
                let rejected = try String(contentsOfFile: try #require(output.facts["rejected_file"]), encoding: .utf8)
                let lines = rejected.split(separator: "\n").dropFirst()
                #expect(lines.count == 3)
                for bad in data.badRows {
                    #expect(lines.contains { $0.contains(",\(bad.line),") }, "line \(bad.line) (\(bad.kind)) is listed")
                }
                #expect(rejected.contains("is not a date in M/D/YYYY form"))
                #expect(rejected.contains("is below the minimum 1"))
                #expect(rejected.contains("field(s), the header has 10"))
            }
        }
    }

    @Test("over max_bad_rows the task fails naming the first bad line, and the previous table is intact")
    func badRowsOverLimit() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try await SampleFixture.write(to: "\(dir)/good")
                _ = try await load(store, dir: dir, yaml: "file: good/Online_Sales.csv\ntable: raw.sales\n" + Self.salesColumns)
                let before = try await store.warehouse.rows("SELECT count(*), sum(quantity), md5(string_agg(product_sku, ',' ORDER BY transaction_id, product_sku)) FROM raw.sales")
                let bad = await SampleFixture.data(badRows: 3)
                try await SampleFixture.write(to: "\(dir)/bad", badRows: 3)
                do {
                    _ = try await load(store, dir: dir, yaml: "file: bad/Online_Sales.csv\ntable: raw.sales\n" + Self.salesColumns, attempt: 2)
                    Issue.record("expected the load to fail")
                } catch let f as TaskFailure {
                    #expect(f.errorClass == .badRows)
                    #expect(!f.retryable)
                    #expect(f.message.contains("Online_Sales.csv:\(bad.badRows[0].line): "), "\(f.message)")
                    #expect(f.message.contains("unchanged"))
                }
                let after = try await store.warehouse.rows("SELECT count(*), sum(quantity), md5(string_agg(product_sku, ',' ORDER BY transaction_id, product_sku)) FROM raw.sales")
                #expect(after == before)
            }
        }
    }

    @Test("replace keeps views on the table working; append adds; upsert updates by key and dedupes")
    func modes() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try "id,name\n1,a\n2,b\n".write(toFile: "\(dir)/a.csv", atomically: true, encoding: .utf8)
                try "id,name\n2,B\n3,c\n3,C\n".write(toFile: "\(dir)/b.csv", atomically: true, encoding: .utf8)
                _ = try await load(store, dir: dir, yaml: "file: a.csv\ntable: raw.t")
                try await store.warehouse.execute(script: "CREATE VIEW raw.v AS SELECT * FROM raw.t")
                _ = try await load(store, dir: dir, yaml: "file: b.csv\ntable: raw.t")
                #expect(try await store.warehouse.rows("SELECT string_agg(name, '' ORDER BY name) FROM raw.v") == [["BCc"]])

                _ = try await load(store, dir: dir, yaml: "file: a.csv\ntable: raw.app\nmode: append")
                _ = try await load(store, dir: dir, yaml: "file: a.csv\ntable: raw.app\nmode: append")
                #expect(try await count(store, "raw.app") == 4)

                _ = try await load(store, dir: dir, yaml: "file: a.csv\ntable: raw.up\nmode: upsert\nkey: [id]")
                _ = try await load(store, dir: dir, yaml: "file: b.csv\ntable: raw.up\nmode: upsert\nkey: [id]")
                #expect(try await store.warehouse.rows("SELECT id, name FROM raw.up ORDER BY id") == [["1", "a"], ["2", "B"], ["3", "C"]])
            }
        }
    }

    @Test("a glob loads several files with one header; header names become snake_case")
    func globAndNames() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try FileManager.default.createDirectory(atPath: "\(dir)/in", withIntermediateDirectories: true)
                try "CustomerID,Tenure_Months,GST\n1,2,0.1\n".write(toFile: "\(dir)/in/1.csv", atomically: true, encoding: .utf8)
                try "CustomerID,Tenure_Months,GST\r\n2,3,0.18\r\n".write(toFile: "\(dir)/in/2.csv", atomically: true, encoding: .utf8)
                let out = try await load(store, dir: dir, yaml: "file: in/*.csv\ntable: raw.g")
                #expect(out.facts["rows_loaded"] == "2")
                #expect(try await store.warehouse.rows("SELECT customer_id, tenure_months, gst FROM raw.g ORDER BY 1") == [["1", "2", "0.1"], ["2", "3", "0.18"]])
                await #expect(throws: TaskFailure.self) { try await load(store, dir: dir, yaml: "file: nothing/*.csv\ntable: raw.g") }
            }
        }
    }

    @Test("a quote that never closes fails the load instead of swallowing the rest of the file")
    func unterminatedQuote() async throws {
        let url = try await TestDatabase.fresh()
        try await Store.with(url) { store in
            try await withTemporaryDirectory { dir in
                try "id,name\n1,a\n".write(toFile: "\(dir)/ok.csv", atomically: true, encoding: .utf8)
                _ = try await load(store, dir: dir, yaml: "file: ok.csv\ntable: raw.q")
                try "id,name\n1,a\n2,\"broken\n3,c\n4,d\n".write(toFile: "\(dir)/bad.csv", atomically: true, encoding: .utf8)
                do {
                    _ = try await load(store, dir: dir, yaml: "file: bad.csv\ntable: raw.q\nmax_bad_rows: 10", attempt: 2)
                    Issue.record("expected a failure")
                } catch let f as TaskFailure {
                    #expect(f.message.contains("bad.csv:3: a quoted field opened here is never closed"), "\(f.message)")
                }
                #expect(try await count(store, "raw.q") == 1, "the previous table is untouched")
            }
        }
    }

    @Test("field problems are reported when validating", arguments: [
        ("table: raw.t", "missing `file`"),
        ("file: x.csv", "missing `table`"),
        ("file: x.csv\ntable: 'a b'", "must be `schema.table`"),
        ("file: x.csv\ntable: raw.t\nmode: merge", "replace, append or upsert"),
        ("file: x.csv\ntable: raw.t\nmode: upsert", "needs `key:`"),
        ("file: x.csv\ntable: raw.t\ncolumns: { a: integer }", "unknown type `integer`"),
        ("file: x.csv\ntable: raw.t\ncolumns: { a: { type: date, format: D.M.Y } }", "M/D/YYYY or YYYY-MM-DD"),
        ("file: x.csv\ntable: raw.t\nmax_bad_row: 3", "did you mean `max_bad_rows`?"),
    ])
    func fieldErrors(yaml: String, fragment: String) throws {
        do {
            _ = try makeBody("kind: csv_extract\n" + yaml)
            Issue.record("expected an error")
        } catch let e as SpecError {
            #expect(e.description.contains(fragment), "\(e.description)")
        }
    }
}

@Suite("CSV reader and values")
struct CSVReaderTests {
    func records(_ text: String) -> [[String]] {
        var out: [[String]] = []
        CSVReader(Array(text.utf8)).forEach { r in
            out.append((0..<r.count).map { r.string($0) })
            return true
        }
        return out
    }

    @Test("quoting, escapes, CRLF, blank lines, embedded newlines")
    func parsing() {
        #expect(records("a,b\n1,2\n") == [["a", "b"], ["1", "2"]])
        #expect(records("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n") == [["a", "b"], ["x,y", "say \"hi\""]])
        #expect(records("a\n\n\nb\n") == [["a"], ["b"]])
        #expect(records("a,\"multi\nline\",c\nd,e,f") == [["a", "multi\nline", "c"], ["d", "e", "f"]])
        #expect(records("a,,c,\n") == [["a", "", "c", ""]])
    }

    @Test("line numbers count embedded newlines")
    func lines() {
        var lines: [Int] = []
        CSVReader(Array("h\n\"a\nb\"\nc\n".utf8)).forEach { r in lines.append(r.line); return true }
        #expect(lines == [1, 2, 4])
    }

    @Test("values", arguments: [
        ("12", CSVColumn.ColumnType.int, "12"), ("-3", .int, "-3"), ("1.50", .numeric, "1.50"),
        ("3/7/2019", .date, "2019-03-07"), ("12/31/2019", .date, "2019-12-31"), ("a\tb\\c", .text, "a\\tb\\\\c"),
        ("", .int, "\\N"), ("yes", .bool, "t"),
    ])
    func encode(input: String, type: CSVColumn.ColumnType, expected: String) {
        var out: [UInt8] = []
        #expect(Array(input.utf8).withUnsafeBufferPointer { CSVColumn(name: "c", type: type).encode($0, quoted: false, format: .text, into: &out) } == nil)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test("rejected values", arguments: [
        ("1.5", CSVColumn.ColumnType.int), ("12a", .int), ("1.2.3", .numeric), ("2/30/2019", .date),
        ("13/1/2019", .date), ("2019-01-01", .date), ("maybe", .bool), ("-", .numeric), ("12/31/19", .date),
    ])
    func reject(input: String, type: CSVColumn.ColumnType) {
        var out: [UInt8] = []
        #expect(Array(input.utf8).withUnsafeBufferPointer { CSVColumn(name: "c", type: type).encode($0, quoted: false, format: .text, into: &out) } != nil)
    }

    @Test("snake_case", arguments: [("CustomerID", "customer_id"), ("Tenure_Months", "tenure_months"), ("GST", "gst"),
                                     ("Product_SKU", "product_sku"), ("Discount_pct", "discount_pct"), ("Avg Price", "avg_price"),
                                     ("userIDNumber", "user_id_number")])
    func snake(input: String, expected: String) {
        #expect(CSVValue.snakeCase(input) == expected)
    }
}
