import Foundation
import Hummingbird
import OrchRuntime
import OrchSemantic

/// `/catalog`: the latest semantic catalog (what `orch query --list` reads):
/// its tables with row counts and freshness, metrics, dimensions and aliases.
struct CatalogPage {
    let context: WebContext

    func render() async throws -> Response {
        let catalog: SemanticCatalog
        do {
            catalog = try await SemanticQueryService(store: context.store).catalog()
        } catch let error as RunSetupError {
            return Layout.page("Catalog", section: .catalog, "<h1>Catalog</h1><p>\(error.description)</p>")
        }
        let tables = catalog.tables.map { t -> HTML in
            "<tr><td><b>\(t.name)</b></td><td><code>\(t.relation)</code></td><td class=\"num\">\(t.rowCount.map(String.init) ?? "-")</td><td>\(t.freshness ?? "-")</td><td>\(t.description ?? "")</td></tr>"
        }
        func fields(_ list: [(table: SemanticCatalog.Table, field: SemanticCatalog.Field)]) -> HTML {
            let rows = list.sorted { $0.field.name < $1.field.name }.map { t, f -> HTML in
                "<tr><td><b>\(f.name)</b></td><td>\(t.name)</td><td><code>\(f.sql)</code></td><td>\(f.description ?? "")</td></tr>"
            }
            return "<table><thead><tr><th>name</th><th>table</th><th>SQL</th><th>description</th></tr></thead><tbody>\(rows)</tbody></table>"
        }
        let aliases = catalog.aliases.sorted { $0.key < $1.key }.map { a, target -> HTML in "<tr><td>\(a)</td><td>\(target)</td></tr>" }
        let body: HTML = """
        <h1>Catalog</h1>
        <p class="muted">version \(catalog.version.map(String.init) ?? "?"), refreshed \(catalog.refreshedAt ?? "?") ·
        <a href="/ask">ask it a question</a></p>
        <h2>Tables</h2><table id="tables"><thead><tr><th>table</th><th>relation</th><th class="num">rows</th><th>freshness</th><th>description</th></tr></thead>
        <tbody>\(tables)</tbody></table>
        <h2>Metrics</h2><div id="metrics">\(fields(catalog.metrics))</div>
        <h2>Dimensions</h2><div id="dimensions">\(fields(catalog.dimensions))</div>
        <h2>Aliases</h2><table id="aliases"><thead><tr><th>alias</th><th>means</th></tr></thead><tbody>\(aliases)</tbody></table>
        """
        return Layout.page("Catalog", section: .catalog, body)
    }
}
