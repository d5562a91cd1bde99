import ArgumentParser
import Foundation
import OrchRuntime
import OrchSampleData

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask the semantic catalog: `orch query revenue by month`, `orch query top 10 customers by revenue`.",
        discussion: """
        Words are metric or dimension names (or their aliases), case-insensitive; joins come from the catalog. \
        Periods (`last month`, `last quarter`, `last 7 days`, `recent`) are relative to the newest date in the data. \
        `Q3 vs Q4` filters quarters. `orch query --list` shows every metric, dimension and alias.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }
    enum Order: String, ExpressibleByArgument, CaseIterable { case asc, desc }

    @Argument(help: "The question.")
    var words: [String] = []

    @Option(help: "An extra SQL condition; dimension names may be used (e.g. \"gender = 'F'\").")
    var `where`: String?

    @Option(help: "Only the first N rows, largest first.")
    var top: Int?

    @Option(help: "Order by the first metric: asc or desc.")
    var order: Order?

    @Option(help: "table, csv or json.")
    var format: Format = .table

    @Flag(help: "Print JSON (as --format json).")
    var json = false

    @Flag(help: "Print the SQL instead of running it.")
    var sql = false

    @Flag(help: "List the catalog's metrics, dimensions and aliases.")
    var list = false

    func validate() throws {
        if words.isEmpty && !list { throw ValidationError("ask a question, e.g. `orch query revenue by month`, or use --list") }
    }

    func run() async throws {
        let question = words.joined(separator: " ")
        let (filter, top, descending, format, onlySQL, list) = (self.where, self.top, order.map { $0 == .desc }, json ? .json : self.format, sql, self.list)
        let text = try await OrchEnvironment().withStore { store -> String in
            let service = SemanticQueryService(store: store)
            if list { return format == .json ? try JSONOutput.render(CatalogJSON(try await service.catalog())) : try await service.listing() }
            if onlySQL {
                let sql = try await service.sql(for: question, filter: filter, top: top, descending: descending)
                return format == .json ? try JSONOutput.render(QuerySQLJSON(sql: sql)) : sql
            }
            let answer = try await service.answer(question, filter: filter, top: top, descending: descending)
            switch format {
            case .table: return Terminal.table(answer.columns, answer.rows.map { $0.map { $0 ?? "" } })
            case .csv:
                var csv = CSVText()
                for row in [answer.columns] + answer.rows.map({ $0.map { $0 ?? "" } }) { csv.row(row) }
                return String(csv.text.dropLast())  // print adds the last newline
            case .json:
                return try JSONOutput.render(QueryJSON(sql: answer.sql, columns: answer.columns, numeric: answer.numeric, rows: answer.rows))
            }
        }
        print(text)
    }
}
