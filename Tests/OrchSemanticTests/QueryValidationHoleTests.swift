import Foundation
import Testing
import OrchSpec
@testable import OrchSemantic

/// Issue 10: numbers in questions that used to be misread, and query shapes
/// that used to trap in the SQL builder.
@Suite("Semantic query validation holes")
struct QueryValidationHoleTests {
    func catalog() throws -> SemanticCatalog { try CatalogFile.parse(SemanticTests.yaml, file: "catalog.yml") }

    func error(_ question: String) throws -> String? {
        do {
            _ = try QuestionParser.parse(question, catalog: try catalog())
            return nil
        } catch let e as QueryError {
            return e.description
        }
    }

    @Test("top N and last N days need a positive number that fits", arguments: [
        ("top 99999999999999999999 customers by revenue", "top"),
        ("top 0 customers by revenue", "top"),
        ("top -3 customers by revenue", "top"),
        ("revenue last 99999999999999999999 days", "last"),
        ("revenue last 0 days", "last"),
        ("revenue last -5 days", "last"),
        ("revenue last 1000000 days", "last"),
    ])
    func badCounts(question: String, fragment: String) throws {
        let message = try #require(try error(question), "`\(question)` was accepted")
        #expect(message.contains("`\(fragment)"), "\(message)")
        #expect(message.contains("at least 1") || message.contains("at most"), "\(message)")
    }

    @Test("counts in range are kept")
    func goodCounts() throws {
        #expect(try QuestionParser.parse("top 1000 customers by revenue", catalog: try catalog()).top == 1000)
        #expect(try QuestionParser.parse("revenue last 365 days", catalog: try catalog()).period == .lastDays(365))
    }

    @Test("a `--` comment at the end of a metric ends its line, so the SQL orch writes after it still counts")
    func lineComments() throws {
        let text = "tables:\n  sales:\n    relation: a.sales\n    metrics:\n      total: \"sum(sales.amount) -- in NOK\"\n"
            + "      plain: \"count(*)\"\n    dimensions:\n      day: \"sales.day -- local\"\n"
        let catalog = try CatalogFile.parse(text, file: "catalog.yml")
        var query = SemanticQuery()
        query.metrics = ["total", "plain"]
        query.dimensions = ["day"]
        let sql = try QueryBuilder.sql(for: query, catalog: catalog)
        #expect(sql.contains("sum(sales.amount) -- in NOK\n AS total") && sql.contains("count(*) AS plain"), "\(sql)")
        #expect(sql.contains("sales.day -- local\n AS day"), "\(sql)")
    }

    @Test("a query without metrics is an error from the SQL builder, not a trap")
    func noMetrics() throws {
        var query = SemanticQuery()
        query.dimensions = ["month"]
        #expect(throws: QueryError.self) { try QueryBuilder.sql(for: query, catalog: try catalog()) }
    }

    @Test("a stored catalog whose join path goes through a missing table is an error, not a trap")
    func joinThroughMissingTable() throws {
        // Catalog files are checked for this; a catalog read back from storage is not.
        let broken = SemanticCatalog(tables: [
            .init(name: "sales", relation: "a.sales", primaryKey: [], joins: [.init(to: "ghost", on: "sales.g = ghost.id")],
                  metrics: [.init(name: "total_revenue", sql: "sum(sales.amount)")], dimensions: []),
            .init(name: "towns", relation: "a.towns", primaryKey: [], joins: [.init(to: "ghost", on: "towns.g = ghost.id")],
                  metrics: [], dimensions: [.init(name: "town", sql: "towns.name")]),
        ], aliases: [:])
        var query = SemanticQuery()
        query.metrics = ["total_revenue"]
        query.dimensions = ["town"]
        #expect(throws: QueryError.self) { try QueryBuilder.sql(for: query, catalog: broken) }
    }
}
