import OrchSpec
import PropertyBased
import Testing
@testable import OrchSemantic
import Foundation

/// Questions made of the catalog's words, fillers, numbers (huge ones too)
/// and punctuation: a query that makes sense, or a `QueryError`; never a crash.
@Suite("Semantic question properties")
struct QueryPropertyTests {
    static let catalog = (try? CatalogFile.parse(SemanticTests.yaml, file: "catalog.yml")) ?? SemanticCatalog(tables: [], aliases: [:])

    static let vocabulary = ["total_revenue", "total revenue", "order_count", "customer_count", "revenue", "customers", "customer",
                             "city", "location", "month", "months", "quarter", "region", "regions", "top", "bottom", "last", "past",
                             "days", "day", "week", "year", "recent", "latest", "q1", "q3", "q4", "q5", "q0", "most", "least",
                             "highest", "by", "per", "in", "each", "the", "what", "how", "many", "show", "me", "vs", "and", "of"]
    static let numbers = ["0", "1", "3", "10", "365", "-5", "+7", "1000000", "1000001", "36525", "36526", "99999999999999999999",
                          "9223372036854775807", "-9223372036854775808", "1e9", "0x10", "٣", "１"]
    static let punctuation = ["?", ",", ".", "!", "'", "\"", ";", "--", "(", ")", "🙂", "é", "\t", "\n", "",
                              String(repeating: "w", count: 500)]

    /// Mostly words of the catalog, sometimes `top N` / `last N days` with any
    /// number, now and then punctuation; often a metric, so that some parse.
    static let questions = Generator(run: { rng -> String in
        func pick(_ pool: [String]) -> String { pool[Int.random(in: 0..<pool.count, using: &rng)] }
        var words = Bool.random(using: &rng) ? [pick(["revenue", "total_revenue", "order_count", "customers"])] : []
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: words.append(pick(punctuation))
            case 1: words.append(pick(numbers))
            case 2: words += [pick(["top", "bottom"]), pick(numbers)]
            case 3: words += [pick(["last", "past"]), pick(numbers), pick(["days", "day"])]
            default: words.append(pick(vocabulary))
            }
        }
        words.shuffle(using: &rng)
        return words.joined(separator: Bool.random(using: &rng) ? " " : "  ")
    })

    /// `--where` text: dimension names, SQL bits and quotes in any order.
    static let filters = Generator(run: { rng -> String? in
        let pieces = ["location", "month", "region", "customers.city", "=", "<>", "'", "'x'", "''", "extract(month from sales.day)",
                      "AND", "3", "(", ")", "\\", "$1", "month(", " "]
        guard Bool.random(using: &rng) else { return nil }
        return (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined(separator: " ")
    })

    @Test("a question parses to a sensible query, or is a QueryError; the SQL builds or is a QueryError")
    func questions() async {
        let metrics = Set(Self.catalog.metrics.map(\.field.name)), dimensions = Set(Self.catalog.dimensions.map(\.field.name))
        #expect(!metrics.isEmpty)
        await propertyCheck(count: PropertyCases.count, input: Self.questions, Self.filters) { question, filter in
            var query: SemanticQuery
            do {
                query = try QuestionParser.parse(question, catalog: Self.catalog)
            } catch let error as QueryError {
                #expect(!error.description.isEmpty)
                return
            } catch {
                Issue.record("not a QueryError: \(error)")
                return
            }
            #expect(!query.metrics.isEmpty && query.metrics.allSatisfy(metrics.contains), "\(question) → \(query.metrics)")
            #expect(query.dimensions.allSatisfy(dimensions.contains), "\(question) → \(query.dimensions)")
            #expect(query.top.map { (1...QuestionParser.maxTop).contains($0) } ?? true, "\(question) → top \(String(describing: query.top))")
            if case let .lastDays(n) = query.period { #expect((1...QuestionParser.maxDays).contains(n), "\(question) → last \(n) days") }
            #expect(query.quarters.allSatisfy { (1...4).contains($0) })
            query.filter = filter
            do {
                let sql = try QueryBuilder.sql(for: query, catalog: Self.catalog)
                #expect(sql.contains("SELECT "))
                for name in query.metrics { #expect(sql.contains(" AS \(name)"), "\(sql)") }
            } catch let error as QueryError {
                #expect(!error.description.isEmpty)
            } catch {
                Issue.record("not a QueryError: \(error)")
            }
        }
    }

    @Test("a catalog file made of shuffled catalog lines loads or says where it is wrong")
    func catalogs() async {
        let lines = SemanticTests.yaml.components(separatedBy: "\n")
        let shuffled = Generator(run: { rng -> String in
            var out = lines
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !out.isEmpty {
                let i = Int.random(in: 0..<out.count, using: &rng), j = Int.random(in: 0..<out.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: out.remove(at: i)
                case 1: out.insert(out[i], at: j)
                default: out.swapAt(i, j)
                }
            }
            return out.joined(separator: "\n")
        })
        await propertyCheck(count: PropertyCases.count, input: shuffled) { text in
            do {
                _ = try CatalogFile.parse(text, file: "catalog.yml")
            } catch let error as SpecError {
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.location?.file == "catalog.yml" }, "\(error)")
            } catch {
                Issue.record("not a SpecError: \(error)")
            }
        }
    }
}
