import Hummingbird

/// The routes of the pages beside runs: tests, lineage, schedules, segments, catalog, ask.
enum SectionPages {
    static func add(to router: Router<BasicRequestContext>, context: WebContext) {
    }
}
