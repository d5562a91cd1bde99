import Foundation
import Hummingbird
import OrchExecution
import NIOCore
import OrchRuntime
import OrchStore

/// The routes of the web view. Every handler only reads; the one way a
/// page fails is `render`'s: an unknown thing is 404, anything else a 500
/// page that says what went wrong (escaped, like every other text).
struct WebPages: Sendable {
    let context: WebContext

    func add(to router: Router<BasicRequestContext>) {
        let c = context
        router.get("/static/orch.js") { _, _ in
            var h = Layout.headers(contentType: "text/javascript; charset=utf-8")
            h[.cacheControl] = "max-age=300"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: Layout.script)))
        }
        router.get("/") { request, _ in await render { try await RunsPage(context: c).render(QueryParameters(request)) } }
        router.get("/runs") { request, _ in await render { try await RunsPage(context: c).render(QueryParameters(request)) } }
        router.get("/run/:id") { request, ctx in
            await render {
                try await RunPage(context: c).render(id: ctx.parameters.get("id") ?? "", showTests: QueryParameters(request).get("tests") == "all")
            }
        }
        router.get("/run/:id/log/:task/:attempt") { request, ctx in
            await render {
                try await RunPage(context: c).log(id: ctx.parameters.get("id") ?? "", task: ctx.parameters.get("task") ?? "",
                                                  attempt: ctx.parameters.get("attempt").flatMap { Int($0) } ?? 0)
            }
        }
        SectionPages.add(to: router, context: c)
    }
}

/// A page that could not be shown: 404 for something that does not exist.
struct PageNotFound: Error {
    var what: String
}

/// A request the page cannot read (a filter value it does not know): 400, saying what is expected.
struct BadPageRequest: Error {
    var what: String
}

/// Runs a page body and turns its failure into a page.
func render(_ body: () async throws -> Response) async -> Response {
    do {
        return try await body()
    } catch let missing as PageNotFound {
        return Layout.notFound(missing.what)
    } catch let bad as BadPageRequest {
        return Layout.page("Bad request", section: nil, "<h1>Bad request</h1><p>\(bad.what)</p>").with(status: .badRequest)
    } catch let error as RunStoreError {
        return Layout.notFound(error.description)
    } catch let error as UnknownNameError {
        return Layout.notFound(error.description)
    } catch {
        let html: HTML = "<h1>Something went wrong</h1><p>This page could not be read from the store:</p><pre>\(String(describing: error))</pre>"
        return Layout.page("Error", section: nil, html).with(status: .internalServerError)
    }
}

/// A request's query as an HTML form sends it (`application/x-www-form-urlencoded`):
/// `+` is a space, `%2B` a plus. (Hummingbird's `queryParameters` leaves `+` as it is,
/// so a question typed in the Ask box would arrive as `revenue+by+month`.)
struct QueryParameters: Sendable {
    private var values: [String: String] = [:]

    init(_ request: Request) { self.init(query: request.uri.query ?? "") }

    init(query: String) {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(parts[0])
            if values[key] == nil { values[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
    }

    /// The first value given for `name`.
    func get(_ name: String) -> String? { values[name] }
}
