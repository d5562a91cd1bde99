import Testing
import OrchSpec
@testable import OrchSemantic

@Suite("semantic catalog files and questions")
struct SemanticTests {
    static let yaml = """
    tables:
      sales:
        relation: analytics.sales
        date_column: day
        joins:
          - { to: customers, on: "sales.customer_id = customers.id" }
        metrics:
          total_revenue: { sql: "sum(sales.amount)", format: currency }
          order_count: "count(DISTINCT sales.order_id)"
        dimensions:
          customer: sales.customer_id
          month: "to_char(sales.day, 'YYYY-MM')"
          quarter: "extract(quarter from sales.day)"
      customers:
        relation: analytics.customers
        joins:
          - { to: regions, on: "customers.region_id = regions.id" }
        metrics:
          customer_count: "count(*)"
        dimensions:
          location: customers.city
      regions:
        relation: analytics.regions
        dimensions:
          region: regions.name
    aliases:
      revenue: total_revenue
      customers: customer_count
      city: location
    """

    func catalog() throws -> SemanticCatalog { try CatalogFile.parse(Self.yaml, file: "catalog.yml") }

    @Test("questions resolve to metrics, dimensions, periods and ranking", arguments: [
        ("revenue by month", ["total_revenue"], ["month"], nil as Int?, nil as Bool?),
        ("Total_Revenue by Month", ["total_revenue"], ["month"], nil, nil),
        ("top 10 customers by revenue", ["total_revenue"], ["customer"], 10, true),
        ("how many customers are in each city", ["customer_count"], ["location"], nil, nil),
        ("which regions have the most revenue", ["total_revenue"], ["region"], nil, true),
        ("revenue and order_count by location", ["total_revenue", "order_count"], ["location"], nil, nil),
    ])
    func parse(question: String, metrics: [String], dimensions: [String], top: Int?, descending: Bool?) throws {
        let q = try QuestionParser.parse(question, catalog: try catalog())
        #expect(q.metrics == metrics)
        #expect(q.dimensions == dimensions)
        #expect(q.top == top)
        #expect(q.descending == descending)
    }

    @Test("periods and quarters")
    func periods() throws {
        #expect(try QuestionParser.parse("revenue last month", catalog: try catalog()).period == .lastMonth)
        #expect(try QuestionParser.parse("revenue in the last 30 days", catalog: try catalog()).period == .lastDays(30))
        let q = try QuestionParser.parse("Q3 vs Q4 revenue", catalog: try catalog())
        #expect(q.quarters == [3, 4])
        #expect(q.dimensions == ["quarter"])
        let sql = try QueryBuilder.sql(for: q, catalog: try catalog())
        #expect(sql.contains("(extract(quarter from sales.day)) IN (3, 4)"))
    }

    @Test("joins follow the catalog, through intermediate tables")
    func joins() throws {
        let q = try QuestionParser.parse("revenue by region", catalog: try catalog())
        let sql = try QueryBuilder.sql(for: q, catalog: try catalog())
        #expect(sql.contains("FROM analytics.sales AS sales\nJOIN analytics.customers AS customers ON sales.customer_id = customers.id\nJOIN analytics.regions AS regions ON customers.region_id = regions.id"))
        #expect(sql.contains("GROUP BY 1"))
    }

    @Test("--where may use dimension names")
    func filter() throws {
        var q = try QuestionParser.parse("revenue by month", catalog: try catalog())
        q.filter = "location = 'Chicago'"
        let sql = try QueryBuilder.sql(for: q, catalog: try catalog())
        #expect(sql.contains("((customers.city) = 'Chicago')"))
    }

    @Test("--where leaves qualified names, quoted text and function arguments alone")
    func filterEdges() throws {
        var q = try QuestionParser.parse("revenue by month", catalog: try catalog())
        q.filter = "customers.city = 'location' AND extract(month from sales.day) = 3 AND location <> 'x'"
        let sql = try QueryBuilder.sql(for: q, catalog: try catalog())
        #expect(sql.contains("customers.city = 'location' AND extract(month from sales.day) = 3 AND (customers.city) <> 'x'"), "\(sql)")
    }

    @Test("a number outside top N / last N days is an error, not ignored")
    func strayNumber() throws {
        #expect(throws: QueryError.self) { try QuestionParser.parse("revenue in 2019", catalog: try catalog()) }
        #expect(try QuestionParser.parse("top 3 customers by revenue", catalog: try catalog()).top == 3)
    }

    @Test("an unknown word names the nearest metrics and dimensions")
    func unknownWord() throws {
        do {
            _ = try QuestionParser.parse("revenu by month", catalog: try catalog())
            Issue.record("expected an error")
        } catch let e as QueryError {
            #expect(e.description.contains("`revenu`"))
            #expect(e.description.contains("revenue"))
        }
        #expect(throws: QueryError.self) { try QuestionParser.parse("by month", catalog: try catalog()) }
    }

    @Test("catalog mistakes are reported", arguments: [
        ("tables:\n  t:\n    relation: a.t\n    metrics: { m: \"count(*)\" }\naliases: { x: nope }\n", "alias `x` points to `nope`"),
        ("tables:\n  t:\n    relation: a.t\n    joins: [{ to: u, on: x }]\n", "joins `u`"),
        ("tables:\n  t:\n    relaton: a.t\n", "did you mean `relation`?"),
        ("tables:\n  t:\n    relation: a.t\n    metrics: { m: \"count(*)\" }\n    dimensions: { m: x }\n", "defined more than once"),
    ])
    func mistakes(yaml: String, fragment: String) {
        do {
            _ = try CatalogFile.parse(yaml, file: "c.yml")
            Issue.record("expected an error")
        } catch let e as SpecError {
            #expect(e.description.contains(fragment), "\(e.description)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
