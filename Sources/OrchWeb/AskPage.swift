import Foundation
import Hummingbird
import OrchRuntime

/// `/ask?q=…`: the questions `orch query` answers, for people who would
/// rather type in a box: the answer as a table and as the chart that fits
/// it, the generated SQL on request. A question the catalog cannot answer
/// is a 400 that says why (the same message `orch query` gives).
struct AskPage {
    static let examples = ["revenue by month", "top 10 customers by revenue", "orders by product category", "total revenue"]
    let context: WebContext

    func render(question: String?) async throws -> Response {
        let q = (question ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let examples = Self.examples.map { e -> HTML in "<a href=\"\(href: WebPath(segments: ["ask"], query: [("q", e)]))\">\(e)</a>" }
        let form: HTML = """
        <h1>Ask</h1>
        <form class="filters" method="get" action="/ask"><label>a question about the data
        <input name="q" size="60" value="\(q)" placeholder="revenue by month" autofocus></label><button>Ask</button></form>
        <p class="muted">For example: \(examples.joined(separator: " · ")). <a href="/catalog">What the catalog knows</a>.</p>
        """
        guard !q.isEmpty else { return Layout.page("Ask", section: .ask, form) }
        let answer: SemanticQueryService.Answer
        do {
            answer = try await SemanticQueryService(store: context.store).answer(q)
        } catch let error as RunSetupError {
            return Layout.page("Ask", section: .ask, form + "<p class=\"report\">\(error.description)</p>").with(status: .badRequest)
        }
        let body = form + """
        <h2>\(q)</h2>\(Self.chart(answer))
        <details><summary>the SQL</summary><pre>\(answer.sql)</pre></details>
        \(Self.table(answer))
        """
        return Layout.page("Ask: \(q)", section: .ask, body)
    }

    /// A line when the first column is a time (month, date, year…), bars for
    /// a category, one number large when the answer is one value.
    static func chart(_ a: SemanticQueryService.Answer) -> HTML {
        guard let valueColumn = a.numeric.indices.last(where: { a.numeric[$0] }) else { return .empty }
        if a.rows.count == 1, a.columns.count == 1 || a.numeric.allSatisfy({ $0 }) {
            return Charts.number(Charts.short(Double(a.rows[0][valueColumn] ?? "") ?? 0), caption: a.columns[valueColumn])
        }
        guard let labelColumn = a.columns.indices.first(where: { !a.numeric[$0] }) ?? (valueColumn > 0 ? 0 : nil) else { return .empty }
        let shown = a.rows.prefix(60)
        let points = shown.map { Charts.Point(label: $0[labelColumn] ?? "(null)", value: Double($0[valueColumn] ?? "") ?? 0) }
        let name = a.columns[labelColumn].lowercased()
        let isTime = ["month", "date", "day", "year", "week", "quarter", "time", "period"].contains { name.contains($0) }
        let note: HTML = a.rows.count > shown.count ? "<p class=\"muted\">The chart shows the first \(shown.count) of \(a.rows.count) rows.</p>" : .empty
        return (isTime ? Charts.line(points) : Charts.bars(points)) + note
    }

    static func table(_ a: SemanticQueryService.Answer) -> HTML {
        let head = a.columns.enumerated().map { i, c -> HTML in a.numeric[i] ? "<th class=\"num\">\(c)</th>" : "<th>\(c)</th>" }
        let rows = a.rows.map { row -> HTML in
            "<tr>\(row.enumerated().map { i, v -> HTML in a.numeric[i] ? "<td class=\"num\">\(v ?? "")</td>" : "<td>\(v ?? "NULL")</td>" })</tr>"
        }
        return "<p class=\"muted\">\(a.rows.count) row(s)</p><table id=\"answer\"><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table>"
    }
}
