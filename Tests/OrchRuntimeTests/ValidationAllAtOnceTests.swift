import Foundation
import Testing
import OrchRuntime
import OrchSpec
import OrchTestSupport

/// README promises that validation reports every problem at once. Each case
/// here was reported in stages (or at the wrong place) before: the parser's
/// problems first, then the kinds', then the graph's.
@Suite("validation reports everything at once, each at its place")
struct ValidationAllAtOnceTests {
    func problems(_ files: [String: String], load: String = "p.yml") throws -> [Diagnostic] {
        let dir = NSTemporaryDirectory() + "orch-v-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text) in files {
            let path = "\(dir)/\(name)"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        do {
            _ = try PipelineLoader.load(path: "\(dir)/\(load)")
            return []
        } catch let error as SpecError {
            return error.diagnostics
        }
    }

    @Test("a bad field, a bad kind, an unknown key inside a kind and a cycle: all four in one report")
    func allStages() throws {
        let found = try problems(["p.yml": """
        name: staged
        tasks:
          - { id: a, kind: command, command: "true", retries: -1 }
          - { id: b, kind: comand, command: "true" }
          - { id: c, kind: command, command: "true", colour: red }
          - { id: d, kind: command, command: "true", after: [e] }
          - { id: e, kind: command, command: "true", after: [d] }
        """])
        let text = found.map(\.description).joined(separator: "\n")
        #expect(found.contains { $0.message.contains("retries") && $0.location?.line == 3 }, "\(text)")
        #expect(found.contains { $0.message.contains("unknown kind `comand`") && $0.location?.line == 4 }, "\(text)")
        #expect(found.contains { $0.message.contains("colour") && $0.location?.line == 5 }, "\(text)")
        #expect(found.contains { $0.message.contains("dependency cycle") }, "\(text)")
        #expect(found.count == 4, "nothing said twice:\n\(text)")
    }

    @Test("a task with a bad kind still counts for `after:` (no cascade of missing tasks)")
    func noCascadeFromBadKind() throws {
        let found = try problems(["p.yml": """
        name: cascade
        tasks:
          - { id: a, kind: nope }
          - { id: b, kind: command, command: "true", after: [a] }
          - { id: c, kind: command, command: "true", after: [missing] }
        """])
        let text = found.map(\.description).joined(separator: "\n")
        #expect(found.count == 2, "\(text)")
        #expect(found.contains { $0.message.contains("unknown kind `nope`") }, "\(text)")
        #expect(found.contains { $0.message.contains("`missing`") && $0.location?.line == 5 }, "\(text)")
    }

    static let pipeline = """
    name: models
    tasks:
      - { id: models, kind: sql_model, path: models }
    """

    @Test("a bad ref is reported on its own line of the model file")
    func refLine() throws {
        let model = (1...13).map { "-- line \($0)" }.joined(separator: "\n") + "\nselect * from {{ ref('stg_customer') }}\n"
        let found = try problems(["p.yml": Self.pipeline,
                                  "models/stg_customers.sql": "select 1 as customer_id\n",
                                  "models/dim_customer.sql": model])
        let text = found.map(\.description).joined(separator: "\n")
        #expect(found.count == 1, "\(text)")
        #expect(found.first?.location?.line == 14, "\(text)")
        #expect(found.first?.location?.file.hasSuffix("dim_customer.sql") == true, "\(text)")
        #expect(found.first?.hint?.contains("stg_customers") == true, "\(text)")
    }

    @Test("a model that does not parse is reported once: not again as missing from its YAML, its readers or its tests")
    func parseErrorDoesNotCascade() throws {
        let found = try problems(["p.yml": Self.pipeline,
                                  "models/stg_customers.sql": "select {{ oops 1 as customer_id\n",
                                  "models/dim_customer.sql": "select * from {{ ref('stg_customers') }}\n",
                                  "models/schema.yml": """
                                  models:
                                    - name: stg_customers
                                      columns:
                                        - name: customer_id
                                          tests: [unique, not_null]
                                  """])
        let text = found.map(\.description).joined(separator: "\n")
        #expect(found.count == 1, "\(text)")
        #expect(found.first?.location?.file.hasSuffix("stg_customers.sql") == true, "\(text)")
        #expect(!text.contains("described here"), "\(text)")
    }
}
