import Foundation
import Testing
import OrchRuntime
import OrchSampleData
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// The seed's example questions through `orch query`, each checked against a
/// hand-written SQL query, after the marketing pipeline and the market feeds ran.
@Suite("orch query over the marketing catalog", .timeLimit(.minutes(3)))
struct SemanticQueryTests {
    static let repo = ShippedPipelinesTests.repo

    @Test("every example question gives the numbers of a hand-written query")
    func examples() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            try await SampleFixture.write(to: "\(dir)/data")
            let vars = ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true), "NEWSAPI_KEY": "test"]
            try await withStandIn { base, _ in
                for _ in 0..<3 {
                    let feeds = try await runOrch(["run", "\(Self.repo)/pipelines/market_feeds.yml", "--param", "coingecko_url=\(base)",
                                             "--param", "newsapi_url=\(base)"], environment: vars)
                    #expect(feeds.status == 0, "\(feeds.stdout.suffix(2000))")
                }
            }
            let marketing = try await runOrch(["run", "\(Self.repo)/pipelines/marketing.yml", "--param", "data_dir=\(dir)/data"], environment: vars)
            #expect(marketing.status == 0, "\(marketing.stdout.suffix(3000))")

            let cases: [(question: [String], sql: String)] = [
                (["total sales last month"],
                 "SELECT sum(total_amount) FROM analytics.fct_sales WHERE transaction_date >= '2019-12-01' AND transaction_date < '2020-01-01'"),
                (["top 10 customers by revenue"],
                 "SELECT customer_id, sum(total_amount) FROM analytics.fct_sales GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"),
                (["average order value by product category"], """
                 SELECT p.product_category, round(sum(f.total_amount) / count(DISTINCT f.transaction_id), 2)
                 FROM analytics.fct_sales f JOIN analytics.dim_products p USING (product_sku) GROUP BY 1 ORDER BY 1
                 """),
                (["Q3 vs Q4 sales"], """
                 SELECT extract(quarter FROM transaction_date)::int, sum(total_amount) FROM analytics.fct_sales
                 WHERE extract(quarter FROM transaction_date) IN (3, 4) GROUP BY 1 ORDER BY 1
                 """),
                (["which segments are most profitable"], """
                 SELECT s.segment_name, sum(f.net_sales_amount) FROM analytics.fct_sales f
                 JOIN analytics.customer_segments s USING (customer_id) GROUP BY 1 ORDER BY 2 DESC
                 """),
                (["how many customers are in each segment"],
                 "SELECT segment_name, count(*) FROM analytics.customer_segments GROUP BY 1 ORDER BY 1"),
                (["customer lifetime value by location"], """
                 SELECT c.location, round(avg(x.revenue), 2) FROM (SELECT customer_id, sum(total_amount) AS revenue
                 FROM analytics.fct_sales GROUP BY 1) x JOIN analytics.dim_customer c USING (customer_id) GROUP BY 1 ORDER BY 1
                 """),
                (["what's the current bitcoin price"],
                 "SELECT price FROM raw.bitcoin_prices_raw ORDER BY event_timestamp DESC LIMIT 1"),
                (["recent news by source category"], """
                 SELECT CASE WHEN source_name IN ('BBC News', 'CNN') THEN 'BROADCAST' WHEN source_name = 'Reuters' THEN 'WIRE_SERVICE'
                        ELSE 'OTHER' END, count(*)
                 FROM raw.news_events_raw WHERE published_at > (SELECT max(published_at) FROM raw.news_events_raw) - interval '1 day'
                 GROUP BY 1 ORDER BY 1
                 """),
            ]
            for c in cases {
                let r = try await runOrch(["query"] + c.question + ["--format", "csv"], environment: vars)
                #expect(r.status == 0, "\(c.question): \(r.stderr)")
                let got = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                let expected = try await Store.with(db) { try await $0.warehouse.rows(c.sql) }.map { $0.map { $0 ?? "" } }
                #expect(!expected.isEmpty)
                #expect(got.map { $0.map(Self.number) } == expected.map { $0.map(Self.number) }, "\(c.question)")
            }
            let sql = try await runOrch(["query", "revenue", "by", "month", "--sql"], environment: vars)
            #expect(sql.stdout.contains("JOIN analytics.dim_datetime AS dim_datetime"))
            // --sql and --list speak the JSON contract too.
            struct SQLOnly: Decodable { var sql: String }
            let sqlJSON = try JSONContract.decode(SQLOnly.self, try await runOrch(["query", "revenue", "by", "month", "--sql", "--json"],
                                                                                  environment: vars).stdout)
            #expect(sqlJSON.sql + "\n" == sql.stdout)
            struct Catalog: Decodable {
                struct Field: Decodable { var name: String; var table: String; var sql: String; @Present var description: String? }
                struct Table: Decodable { var name: String; var relation: String; @Present var rowCount: Int?; @Present var freshness: String? }
                @Present var version: Int?
                var tables: [Table]
                var metrics: [Field]
                var dimensions: [Field]
                struct Alias: Decodable { var alias: String; var target: String }
                var aliases: [Alias]
            }
            let catalog = try JSONContract.decode(Catalog.self, try await runOrch(["query", "--list", "--json"], environment: vars).stdout)
            #expect(catalog.metrics.contains { $0.name == "total_revenue" } && !catalog.dimensions.isEmpty && catalog.aliases.contains { $0.alias == "revenue" && $0.target == "total_revenue" })
            #expect(catalog.tables.contains { $0.relation == "analytics.fct_sales" && ($0.rowCount ?? 0) > 0 }, "refreshed row counts")
            let unknown = try await runOrch(["query", "revnue", "by", "month"], environment: vars)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("`revnue`") && unknown.stderr.contains("revenue"))
            let filtered = try await runOrch(["query", "customers", "by", "location", "--where", "gender = 'F'", "--format", "json"], environment: vars)
            #expect(filtered.status == 0, "\(filtered.stderr)")
            // JSON keeps numbers numbers and has the contract's shape; --json is --format json.
            let answer = try JSONContract.decode(Shape.Query.self, filtered.stdout)
            #expect(answer.columns.count == 2 && !answer.rows.isEmpty, "\(filtered.stdout.prefix(500))")
            let metric = try #require(answer.columns.last)
            #expect(answer.rows.allSatisfy { if case .number = $0[metric] { true } else { false } }, "\(filtered.stdout.prefix(500))")
            let flag = try await runOrch(["query", "customers", "by", "location", "--where", "gender = 'F'", "--json"], environment: vars)
            #expect(flag.status == 0 && flag.stdout == filtered.stdout, "\(flag.stderr)")
            // `--where` is typed SQL: it runs read-only, so it cannot change anything.
            _ = try await Store.with(db) { try await $0.warehouse.rows("CREATE SEQUENCE public.where_probe") }
            let writing = try await runOrch(["query", "customers", "by", "location", "--where", "nextval('public.where_probe') > 0"],
                                            environment: vars)
            #expect(writing.status == 2, "\(writing.stdout)\(writing.stderr)")
            #expect(writing.stderr.contains("read-only"), "\(writing.stderr)")
            #expect(try await Store.with(db) { try await $0.warehouse.rows("SELECT is_called FROM public.where_probe") } == [["f"]])
        }
    }

    /// Numbers compared by value (`8408406.7` and `8408406.70` are the same amount).
    static func number(_ s: String) -> String {
        guard let d = Decimal(string: s) else { return s }
        return "\(d)"
    }

    @Test("a misspelt column fails the refresh naming the metric; a correct refresh stores a new version")
    func refresh() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let vars = ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)]
            try await Store.with(db) { store in
                try await store.warehouse.execute(script: """
                CREATE SCHEMA mart; CREATE TABLE mart.sales (day date, amount numeric, city text);
                INSERT INTO mart.sales VALUES ('2024-01-01', 10, 'Oslo'), ('2024-01-03', 5, NULL);
                """)
            }
            func catalog(_ metric: String) throws {
                try """
                tables:
                  sales:
                    relation: mart.sales
                    date_column: day
                    metrics:
                      total_amount: "\(metric)"
                      sale_count: "count(*)"
                      mean_amount: "avg(sales.amount) -- a comment ends the line"
                    dimensions:
                      city: sales.city
                """.write(toFile: "\(dir)/catalog.yml", atomically: true, encoding: .utf8)
            }
            try "name: cat\ntasks:\n  - { id: catalog, kind: semantic_catalog, path: catalog.yml }\n"
                .write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
            try catalog("sum(sales.amout)")
            let bad = try await runOrch(["run", "\(dir)/p.yml"], environment: vars)
            #expect(bad.status == 1)
            #expect(bad.stdout.contains("metric `total_amount` (table sales): column sales.amout does not"), "\(bad.stdout)")
            // Checked together first (one scan); only the metric that does not run is named.
            #expect(!bad.stdout.contains("sale_count") && !bad.stdout.contains("mean_amount") && !bad.stdout.contains("metrics (table"),
                    "\(bad.stdout)")
            try catalog("sum(sales.amount)")
            #expect(try await runOrch(["run", "\(dir)/p.yml"], environment: vars).status == 0)
            #expect(try await runOrch(["run", "\(dir)/p.yml"], environment: vars).status == 0)
            let stored = try await Store.with(db) { store in
                try await store.warehouse.rows("""
                SELECT max(version), (array_agg(catalog ORDER BY version DESC))[1]->'tables'->0->>'rowCount',
                       (array_agg(catalog ORDER BY version DESC))[1]->'tables'->0->>'freshness',
                       (array_agg(catalog ORDER BY version DESC))[1]->'tables'->0->'columns'->2->>'nullShare'
                FROM semantic.catalog_versions
                """)
            }
            #expect(stored == [["2", "2", "2024-01-03", "0.5"]])
        }
    }
}
