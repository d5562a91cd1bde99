import Metrics
import OrchRuntime
import Prometheus

/// The process's Prometheus registry, behind swift-metrics: orch records
/// through swift-metrics (`OrchMetrics`), and `/metrics` renders this registry.
public enum MetricsExport {
    static let registry = PrometheusCollectorRegistry()

    /// Bucket bounds per histogram, chosen for what each measures (the
    /// factory's default, 5 ms…10 s, fits none of them).
    static let buckets: [String: [Duration]] = [
        // An empty task takes about a millisecond; a model build can take an hour.
        OrchMetrics.taskDuration: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                   .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                   .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
                                   .seconds(600), .seconds(1800), .seconds(3600)],
        // The loop wakes for a due tick within milliseconds; a minute late is an incident.
        OrchMetrics.fireLag: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                              .seconds(5), .seconds(10), .seconds(30), .seconds(60)],
        // A group commit on a local server is a fraction of a millisecond; 10 s is an outage being waited out.
        OrchMetrics.storeWrite: [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
                                 .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                 .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10)],
    ]

    /// `MetricsSystem.bootstrap` may run once per process (a second call traps): a lazy static does it once.
    private static let installed: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = buckets
        MetricsSystem.bootstrap(factory)
        OrchMetrics.enable()
    }()

    /// Installs the Prometheus exporter and starts orch's recording; later calls do nothing.
    public static func bootstrap() { _ = installed }

    /// The registry in the Prometheus text format (0.0.4).
    static func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }
}
