import Foundation
import OrchPostgres
import OrchTestSupport

/// For tests that run the real `orch`: a fresh database, a folder removed
/// afterwards, ORCH_HOME inside it, pipelines written into it.
struct CLIScratch {
    let dir: String
    let vars: [String: String]

    static func with(_ body: (CLIScratch) async throws -> Void) async throws {
        let url = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            try await body(CLIScratch(dir: dir, vars: ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": url.url(includePassword: true)]))
        }
    }

    /// Writes `yaml` to `name` in the folder; returns its path.
    func pipeline(_ yaml: String, name: String = "p.yml") throws -> String {
        let path = "\(dir)/\(name)"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func orch(_ arguments: [String]) async throws -> ProcessResult {
        try await runOrch(arguments, environment: vars, directory: dir)
    }

    func start(_ arguments: [String]) throws -> RunningProcess {
        try startOrch(arguments, environment: vars, directory: dir)
    }

    /// The runs of `pipeline`, oldest first, from their folders (no JSON shape assumed).
    func runIDs(_ pipeline: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/home/\(pipeline)")) ?? []).sorted()
    }
}
