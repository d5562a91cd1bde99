import Hummingbird

/// `/metrics`: the Prometheus text format.
enum MetricsRoute {
    static func add(to router: Router<BasicRequestContext>) {
    }
}
