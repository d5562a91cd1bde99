import Foundation
import Hummingbird
import OrchExecution
import OrchStore

/// `/run/ID`: one run.
struct RunPage {
    let context: WebContext

    func render(id: String) async throws -> Response {
        let resolved = try await context.store.runs.resolve(id)
        guard let detail = try await context.store.runs.detail(resolved) else { throw PageNotFound(what: "no run `\(id)`") }
        return Layout.page("Run \(detail.run.id)", section: .runs, "<h1>Run \(detail.run.id)</h1>")
    }

    func log(id: String, task: String, attempt: Int) async throws -> Response {
        throw PageNotFound(what: "no log")
    }
}
