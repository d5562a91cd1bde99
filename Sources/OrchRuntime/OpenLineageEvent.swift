import Foundation

/// An OpenLineage run event (spec 2-0-2) as orch writes it: typed, encoded
/// by `JSONEncoder` (an `[String: Any]` through `JSONSerialization` cost
/// more than the rest of an empty task).
struct OpenLineageEvent: Encodable, Sendable {
    struct Job: Encodable, Sendable {
        var namespace: String
        var name: String
    }

    struct Dataset: Encodable, Sendable {
        var namespace: String
        var name: String

        init(_ name: String) {
            if name.hasPrefix("file:") { (namespace, self.name) = ("file", String(name.dropFirst(5))) }
            else if name.hasPrefix("http:") { (namespace, self.name) = ("http", String(name.dropFirst(5))) }
            else { (namespace, self.name) = ("postgres://orch", name) }
        }
    }

    /// The `_producer` and `_schemaURL` every facet carries.
    struct Facet<Body: Encodable & Sendable>: Encodable, Sendable {
        var schemaURL: String
        var body: Body

        enum Keys: String, CodingKey { case producer = "_producer", schemaURL = "_schemaURL" }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(OpenLineageExporter.producer, forKey: .producer)
            try c.encode(schemaURL, forKey: .schemaURL)
            try body.encode(to: encoder)
        }
    }

    struct ParentRun: Encodable, Sendable {
        struct RunID: Encodable, Sendable { var runId: String }
        var job: Job
        var run: RunID
    }

    struct NominalTime: Encodable, Sendable { var nominalStartTime: String }
    struct OrchRun: Encodable, Sendable { var runId: String; var trigger: String }
    struct ErrorMessage: Encodable, Sendable { var message: String; var programmingLanguage = "SQL/shell" }

    struct RunFacets: Encodable, Sendable {
        var parent: Facet<ParentRun>
        var nominalTime: Facet<NominalTime>
        var orch: Facet<OrchRun>
        var errorMessage: Facet<ErrorMessage>?
    }

    struct Run: Encodable, Sendable {
        var runId: String
        var facets: RunFacets
    }

    var eventType: String
    var eventTime: String
    var producer = OpenLineageExporter.producer
    var schemaURL = OpenLineageEvent.runEventSchema
    static let runEventSchema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
    var run: Run
    var job: Job
    var inputs: [Dataset]
    var outputs: [Dataset]
}
