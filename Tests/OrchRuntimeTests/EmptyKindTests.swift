import Foundation
import Testing
import OrchExecution
import OrchRuntime
import OrchSpec

/// `kind: empty` does nothing, succeeds, and joins a DAG; it takes no fields.
@Suite("kind: empty")
struct EmptyKindTests {
    func write(_ text: String) throws -> (dir: String, path: String) {
        let dir = NSTemporaryDirectory() + "orch-empty-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/p.yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (dir, path)
    }

    @Test("a fan-out/fan-in of empty nodes runs in order and every node succeeds with one attempt")
    func fanIn() async throws {
        let (dir, path) = try write("""
        name: joins
        tasks:
          - { id: start, kind: empty }
          - { id: a, kind: empty, after: [start] }
          - { id: b, kind: command, command: "echo b", after: [start] }
          - { id: join, kind: empty, after: [a, b] }
        """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let environment = OrchEnvironment(variables: ["ORCH_HOME": "\(dir)/home", "PATH": "/usr/bin:/bin"], currentDirectory: dir)
        let store = InMemoryRunStore()
        let outcome = try await PipelineRunner(environment: environment).run(RunRequest(pipelinePath: path), runs: store, warehouse: nil)
        #expect(outcome.status == .succeeded)
        let detail = try #require(try await store.detail(outcome.info.id))
        let byID = Dictionary(uniqueKeysWithValues: detail.tasks.map { ($0.taskID, $0) })
        #expect(detail.tasks.count == 4)
        #expect(detail.tasks.allSatisfy { $0.state == .succeeded && $0.attempts.count == 1 })
        // The join starts only after both of its upstreams ended.
        let join = try #require(byID["join"]?.attempts.first?.startedAt)
        for upstream in ["a", "b"] {
            let end = try #require(byID[upstream]?.attempts.first?.finishedAt)
            #expect(end <= join)
        }
    }

    @Test("an empty node takes no fields: one given is an error naming it")
    func noFields() throws {
        let (dir, path) = try write("""
        name: joins
        tasks:
          - { id: start, kind: empty, command: "true" }
        """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect {
            _ = try PipelineLoader.load(path: path)
        } throws: { error in
            (error as? SpecError)?.description.contains("command") == true
        }
    }
}
