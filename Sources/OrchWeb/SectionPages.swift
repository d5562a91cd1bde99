import Hummingbird

/// The routes of the pages beside runs: tests, lineage, schedules, segments, catalog, ask.
enum SectionPages {
    static func add(to router: Router<BasicRequestContext>, context c: WebContext) {
        router.get("/tests") { request, _ in
            let q = QueryParameters(request)
            return await render { try await TestsPage(context: c).render(run: q.get("run"), failedOnly: q.get("failed") == "1") }
        }
        router.get("/lineage") { request, _ in
            await render { try await LineagePage(context: c).render(dataset: QueryParameters(request).get("dataset")) }
        }
        router.get("/schedules") { _, _ in await render { try await SchedulesPage(context: c).render() } }
        router.get("/segments") { _, _ in await render { try await SegmentsPage(context: c).render() } }
        router.get("/catalog") { _, _ in await render { try await CatalogPage(context: c).render() } }
        router.get("/ask") { request, _ in await render { try await AskPage(context: c).render(question: QueryParameters(request).get("q")) } }
    }
}
