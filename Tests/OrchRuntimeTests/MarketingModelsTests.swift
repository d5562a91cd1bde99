import Foundation
import Testing
import OrchSampleData
import OrchStore
import OrchTasks
import OrchTestSupport
import OrchPostgres
import OrchWarehouse

/// The marketing pipeline's models and data tests, end to end through the
/// `orch` binary, on generated data and a real PostgreSQL.
@Suite("marketing models and data tests", .timeLimit(.minutes(3)))
struct MarketingModelsTests {
    static let repo = ShippedPipelinesTests.repo

    struct Env {
        var dir: String
        var db: DatabaseURL
        var vars: [String: String] { ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)] }
        func orch(_ args: [String]) async throws -> ProcessResult { try await runOrch(args, environment: vars, directory: dir) }
        func run(_ extra: [String] = [], pipeline: String = "\(MarketingModelsTests.repo)/pipelines/marketing.yml") async throws -> ProcessResult {
            try await orch(["run", pipeline, "--param", "data_dir=\(dir)/data"] + extra)
        }
        func json(_ args: [String]) async throws -> Any {
            try JSONSerialization.jsonObject(with: Data(try await orch(args + ["--json"]).stdout.utf8))
        }
        func rows(_ sql: String) async throws -> [[String?]] {
            try await Store.with(db) { try await $0.warehouse.rows(sql) }
        }
    }

    func withEnv(badRows: Int = 0, _ body: (Env) async throws -> Void) async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            try await SampleFixture.write(to: "\(dir)/data", badRows: badRows)
            try await body(Env(dir: dir, db: db))
        }
    }

    @Test("on clean data every test passes and at least 60 results are recorded")
    func cleanRun() async throws {
        try await withEnv { env in
            let r = try await env.run()
            #expect(r.status == 0, "\(r.stdout.suffix(3000))\(r.stderr)")
            let results = try #require((try await env.json(["tests"]) as? [String: Any])?["results"] as? [[String: Any]])
            #expect(results.count >= 60)
            #expect(results.allSatisfy { $0["status"] as? String == "pass" })
            let stored = try await env.rows("SELECT count(*), count(DISTINCT test_name) FROM orch.test_results")
            #expect(Int(stored[0][0] ?? "0")! >= 60)
            let counts = try await env.rows("""
            SELECT (SELECT count(*) FROM analytics.fct_sales), (SELECT count(*) FROM analytics.dim_customer),
                   (SELECT count(*) FROM analytics.dim_products), (SELECT count(*) FROM analytics.dim_datetime)
            """)
            #expect(counts == [["52924", "1468", "1145", "365"]], "one fact row per sales line")
            let compiled = try FileManager.default.subpathsOfDirectory(atPath: "\(env.dir)/home/marketing").filter { $0.hasSuffix("compiled.sql") }
            #expect(compiled.count == 10, "the compiled SQL of every model is kept")
            let lineage = try await env.orch(["lineage", "analytics.fct_sales"]).stdout
            #expect(lineage.contains("staging.stg_online_sales") && lineage.contains("raw.online_sales") && lineage.contains("Online_Sales.csv"))
            // Names as people type them: the table without its schema, and typos answered with the nearest name.
            #expect(try await env.orch(["lineage", "fct_sales"]).stdout == lineage)
            for (args, suggestion) in [(["lineage", "fct_sale"], "analytics.fct_sales"), (["tests", "--model", "fct_sale"], "fct_sales"),
                                       (["status", "--pipeline", "marketin"], "marketing")] {
                let r = try await env.orch(args)
                #expect(r.status == 2, "\(args): \(r.stdout)\(r.stderr)")
                #expect(r.stderr.contains("did you mean `\(suggestion)`?"), "\(args): \(r.stderr)")
            }

            // As `dbt build -s fct_sales`: the model and its data tests; --no-tests the model alone.
            let latest = "(SELECT id FROM orch.runs ORDER BY started_at DESC LIMIT 1)"
            let selected = try await env.run(["--select", "fct_sales"])
            #expect(selected.status == 0, "\(selected.stdout.suffix(2000))\(selected.stderr)")
            let ran = try await env.rows("SELECT task_id FROM orch.task_runs WHERE run_id = \(latest) ORDER BY 1").compactMap { $0[0] }
            let tests = try await env.rows("SELECT DISTINCT task_id FROM orch.test_results WHERE run_id = \(latest) ORDER BY 1").compactMap { $0[0] }
            #expect(ran.contains("fct_sales") && tests.count >= 10, "\(ran)")
            #expect(ran.filter { $0 != "fct_sales" } == tests, "everything else it ran is a test, with a recorded result")
            #expect(tests.contains("fct_sales_one_row_per_line") && tests.contains { $0.hasPrefix("not_null_fct_sales") }, "\(tests)")
            let bare = try await env.run(["--select", "fct_sales", "--no-tests"])
            #expect(bare.status == 0, "\(bare.stderr)")
            #expect(try await env.rows("SELECT task_id FROM orch.task_runs WHERE run_id = \(latest)") == [["fct_sales"]])
        }
    }

    @Test("fct_sales sums agree with the money rules computed straight from the CSV files")
    func sumsFromCSV() async throws {
        try await withEnv { env in
            #expect(try await env.run().status == 0)
            let data = "\(env.dir)/data"
            let expected = try await offPool { try MoneyRules.sums(dataDirectory: data) }
            let got = try await env.rows("""
            SELECT sum(gross_sales_amount), sum(discount_amount), sum(net_sales_amount), sum(gst_amount), sum(total_amount), count(*)
            FROM analytics.fct_sales
            """)[0].map { MoneyRules.cents($0 ?? "") }
            #expect(got == [expected.gross, expected.discount, expected.net, expected.gst, expected.total, expected.lines])
            #expect(expected.discount > 0 && expected.gst > 0, "the rules were exercised")
        }
    }

    @Test("injected bad rows: the loader rejects what cannot be typed, the tests catch the rest, downstream stops")
    func badRows() async throws {
        try await withEnv(badRows: 5) { env in
            let r = try await env.run(["--param", "max_bad_rows=10"])
            #expect(r.status == 1)
            let results = try #require((try await env.json(["tests", "--failed"]) as? [String: Any])?["results"] as? [[String: Any]])
            let failed = Dictionary(uniqueKeysWithValues: results.map { ($0["test"] as! String, $0) })
            // Negative quantity and unknown customer type fine but break rules.
            let quantity = try #require(failed["accepted_range_stg_online_sales_quantity"])
            #expect(quantity["model"] as? String == "stg_online_sales")
            #expect(quantity["column"] as? String == "quantity")
            #expect(quantity["failing_rows"] as? Int == 1)
            #expect(((quantity["sample_rows"] as? [[String: Any]])?.first?["quantity"] as? String)?.hasPrefix("-") == true, "\(quantity["sample_rows"] ?? "")")
            #expect((quantity["sql"] as? String)?.contains("quantity < 1") == true)
            let customer = try #require(failed["relationships_stg_online_sales_customer_id"])
            #expect("\(customer["sample_rows"] ?? "")".contains("99999"))
            // Unparseable date, short line, bad number: rejected by the extract, listed with their lines.
            let runs = try #require((try await env.json(["status"]) as? [String: Any])?["runs"] as? [[String: Any]])
            let detail = try #require(try await env.json(["status", runs[0]["run_id"] as! String]) as? [String: Any])
            let tasks = Dictionary(uniqueKeysWithValues: (detail["tasks"] as! [[String: Any]]).map { ($0["task_id"] as! String, $0) })
            #expect(tasks["extract_sales"]?["status"] as? String == "succeeded")
            #expect(tasks["stg_online_sales"]?["status"] as? String == "succeeded")
            // Error-severity failures on stg_online_sales hold back everything built from it.
            for model in ["fct_sales", "dim_products", "dim_datetime"] {
                #expect(tasks[model]?["status"] as? String == "upstream_failed", "\(model)")
            }
            #expect(tasks["dim_customer"]?["status"] as? String == "succeeded", "an independent branch still builds")
            let built = try await env.rows("SELECT to_regclass('analytics.fct_sales') IS NULL")
            #expect(built == [["t"]], "nothing downstream was built")
            let rejected = try await env.rows("""
            SELECT output->>'rows_rejected' FROM orch.attempts WHERE task_id = 'extract_sales' ORDER BY started_at DESC LIMIT 1
            """)
            #expect(rejected == [["3"]])
        }
    }

    @Test("a warn-severity failure is recorded and does not block")
    func warnDoesNotBlock() async throws {
        try await withEnv { env in
            let models = "\(env.dir)/models"
            try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
            try "select customer_id, tenure_months from {{ source('raw', 'customers') }}".write(toFile: "\(models)/base.sql", atomically: true, encoding: .utf8)
            try "select count(*) as n from {{ ref('base') }}".write(toFile: "\(models)/after_base.sql", atomically: true, encoding: .utf8)
            try """
            models:
              - name: base
                columns:
                  - name: tenure_months
                    tests: [{ accepted_range: { max: 10, severity: warn } }]
            """.write(toFile: "\(models)/schema.yml", atomically: true, encoding: .utf8)
            let pipeline = "\(env.dir)/p.yml"
            try """
            name: warn_demo
            params: { data_dir: data }
            tasks:
              - { id: extract, kind: csv_extract, file: "{{ params.data_dir }}/CustomersData.csv", table: raw.customers }
              - { id: models, kind: sql_model, path: models }
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
            let r = try await env.run(pipeline: pipeline)
            #expect(r.status == 0, "\(r.stdout)")
            let results = try #require((try await env.json(["tests"]) as? [String: Any])?["results"] as? [[String: Any]])
            #expect(results.first?["status"] as? String == "warn")
            #expect((results.first?["failing_rows"] as? Int ?? 0) > 0)
            #expect(try await env.rows("SELECT n > 0 FROM analytics.after_base") == [["t"]])
        }
    }

    @Test("incremental: a second run inserts nothing, new raw rows only themselves, --full-refresh rebuilds")
    func incremental() async throws {
        try await withEnv { env in
            #expect(try await env.run().status == 0)
            func lastFacts() async throws -> [String: String] {
                let rows = try await env.rows("""
                SELECT output::text FROM orch.attempts WHERE task_id = 'fct_sales' ORDER BY started_at DESC LIMIT 1
                """)
                return try JSONDecoder().decode([String: String].self, from: Data((rows[0][0] ?? "{}").utf8))
            }
            #expect(try await env.orch(["run", "\(Self.repo)/pipelines/marketing.yml", "--select", "fct_sales"]).status == 0)
            #expect(try await lastFacts()["inserted"] == "0")
            // New sales arrive for a new day (appended to raw, as an append extract would).
            _ = try await env.rows("""
            INSERT INTO raw.online_sales SELECT customer_id, 99000000 + transaction_id, date '2020-01-01', product_sku,
                product_description, product_category, quantity, avg_price, delivery_charges, coupon_status
            FROM raw.online_sales WHERE transaction_date = date '2019-12-31';
            SELECT 1
            """)
            let added = try await env.rows("SELECT count(*) FROM raw.online_sales WHERE transaction_date = date '2020-01-01'")[0][0]!
            // fct_sales merges the new day; its tests come along (as dbt build -s) and one catches that
            // dim_datetime, not selected, has no 2020-01-01: the run fails on the test, not the merge.
            let merged = try await env.orch(["run", "\(Self.repo)/pipelines/marketing.yml", "--select", "fct_sales"])
            #expect(merged.status == 1, "\(merged.stdout.suffix(2000))")
            let failedTests = try await env.rows("SELECT DISTINCT test_name FROM orch.test_results WHERE status = 'fail'").compactMap { $0[0] }
            #expect(failedTests == ["relationships_fct_sales_transaction_date"], "\(failedTests)")
            let facts = try await lastFacts()
            #expect(facts["inserted"] == added)
            #expect(facts["updated"] == "0")
            #expect(try await env.orch(["run", "\(Self.repo)/pipelines/marketing.yml", "--select", "fct_sales", "--no-tests", "--full-refresh"]).status == 0)
            #expect(try await lastFacts()["materialized"] == "incremental, full build")
            #expect(try await env.rows("SELECT count(*) FROM analytics.fct_sales")[0][0] == String(52_924 + Int(added)!))
        }
    }

    @Test("a typo in a model fails with its file, line and Postgres' message; the previous table stays")
    func typo() async throws {
        try await withEnv { env in
            // A copy of the shipped models, so the typo does not touch the repository.
            let copy = "\(env.dir)/pipelines"
            try FileManager.default.copyItem(atPath: "\(Self.repo)/pipelines/marketing", toPath: "\(copy)/marketing")
            try FileManager.default.copyItem(atPath: "\(Self.repo)/pipelines/marketing.yml", toPath: "\(copy)/marketing.yml")
            let pipeline = "\(copy)/marketing.yml"
            #expect(try await env.run(pipeline: pipeline).status == 0)
            let before = try await env.rows("SELECT count(*), sum(customer_tenure_months) FROM analytics.dim_customer")
            let file = "\(copy)/marketing/models/marts/dim_customer.sql"
            let text = try String(contentsOfFile: file, encoding: .utf8)
            try text.replacingOccurrences(of: "    location,\n", with: "    locaton,\n").write(toFile: file, atomically: true, encoding: .utf8)
            let line = text.components(separatedBy: "\n").firstIndex { $0.contains("    location,") }! + 1
            let r = try await env.run(["--select", "dim_customer"], pipeline: pipeline)
            #expect(r.status == 1)
            #expect(r.stdout.contains("dim_customer.sql:\(line): column \"locaton\" does not exist"), "\(r.stdout)")
            let runs = try #require((try await env.json(["status"]) as? [String: Any])?["runs"] as? [[String: Any]])
            let detail = try #require(try await env.json(["status", runs[0]["run_id"] as! String]) as? [String: Any])
            let message = (detail["tasks"] as? [[String: Any]])?.first?["message"] as? String ?? ""
            #expect(message.contains("hint: Perhaps you meant to reference the column \"stg_customers.location\"") || message.contains("locaton"))
            #expect(try await env.rows("SELECT count(*), sum(customer_tenure_months) FROM analytics.dim_customer") == before)
        }
    }

    @Test("--select fct_sales+ runs fct_sales and what depends on it, nothing else")
    func selection() async throws {
        try await withEnv { env in
            #expect(try await env.run().status == 0)
            #expect(try await env.run(["--select", "fct_sales+"]).status == 0)
            let runs = try #require((try await env.json(["status"]) as? [String: Any])?["runs"] as? [[String: Any]])
            let detail = try #require(try await env.json(["status", runs[0]["run_id"] as! String]) as? [String: Any])
            let ids = Set((detail["tasks"] as! [[String: Any]]).map { $0["task_id"] as! String })
            #expect(ids.contains("fct_sales"))
            #expect(ids.contains("relationships_fct_sales_customer_id"))
            // fct_sales, its tests, and what is built from it (segments, segment facts, catalog): nothing upstream or beside.
            #expect(ids.isSuperset(of: ["segments", "fct_customer_segments", "catalog"]))
            for other in ["dim_customer", "dim_products", "dim_datetime", "stg_online_sales", "stg_customers", "extract_sales"] {
                #expect(!ids.contains(other), "\(other) is not downstream of fct_sales")
            }
            #expect(!ids.contains { $0.hasPrefix("unique_dim_") || $0.hasSuffix("_stg_customers_customer_id") })
        }
    }
}

/// The reference's money rules, computed from the CSV files in integer cents.
enum MoneyRules {
    struct Sums: Equatable { var gross = 0, discount = 0, net = 0, gst = 0, total = 0, lines = 0 }

    static func cents(_ text: String) -> Int {
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = Int(parts.first ?? "0") ?? 0
        var frac = parts.count > 1 ? String(parts[1]) : "0"
        frac = String((frac + "00").prefix(2))
        return whole * 100 + (whole < 0 ? -1 : 1) * (Int(frac) ?? 0)
    }

    /// Half-up rounding of numerator / denominator for non-negative values.
    static func roundDiv(_ numerator: Int, _ denominator: Int) -> Int { (2 * numerator + denominator) / (2 * denominator) }

    static func rows(_ path: String) throws -> [[String]] {
        var out: [[String]] = []
        CSVReader([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).forEach { r in
            out.append((0..<r.count).map { r.string($0) })
            return true
        }
        return Array(out.dropFirst())
    }

    static func sums(dataDirectory dir: String) throws -> Sums {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var pct: [String: Int] = [:]
        for r in try rows("\(dir)/Discount_Coupon.csv") { pct["\(r[1])|\(r[0])"] = Int(r[3]) }
        var gst: [String: Int] = [:]   // in hundredths: 0.18 → 18
        for r in try rows("\(dir)/Tax_amount.csv") { gst[r[0]] = cents(r[1]) }
        var s = Sums()
        for r in try rows("\(dir)/Online_Sales.csv") {
            let month = months[(Int(r[2].split(separator: "/")[0]) ?? 1) - 1]
            let gross = (Int(r[6]) ?? 0) * cents(r[7])
            let percent = r[9] == "Used" ? (pct["\(r[5])|\(month)"] ?? 0) : 0
            let discount = roundDiv(gross * percent, 100)
            let net = gross - discount
            let tax = roundDiv(net * (gst[r[5]] ?? 0), 100)
            s.gross += gross
            s.discount += discount
            s.net += net
            s.gst += tax
            s.total += net + tax + cents(r[8])
            s.lines += 1
        }
        s.lines *= 100 // compared against count(*) read through `cents`
        return s
    }
}
