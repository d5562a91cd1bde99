import ArgumentParser
import Foundation
import OrchExecution
import OrchGraph
import OrchPostgres
import OrchRuntime
import OrchSchedule
import OrchSpec
import OrchStore

/// What the shell completes beyond files: run ids, task ids, schedule names
/// and pipelines. Each is asked for while someone is typing, so it never
/// starts the embedded cluster, never reports an error and gives up after
/// `ORCH_COMPLETION_LIMIT` (2s): a slow or absent database completes nothing rather than hang the shell.
enum Complete {

    /// The most recent run ids (and `latest`, where a command takes it).
    static func runIDs(latest: Bool = false) -> CompletionKind {
        .custom { _, _, prefix in
            let environment = OrchEnvironment()
            let ids = (try? await abandonable(limit: environment.completionLimit) { try await recentRunIDs(environment) }) ?? []
            return ((latest ? ["latest"] : []) + ids).filter { $0.hasPrefix(prefix) }
        }
    }

    /// Task and model ids of the pipeline file named earlier on the line
    /// (or of every pipeline under ./pipelines).
    static var taskIDs: CompletionKind {
        .custom { words, _, prefix in
            let ids = pipelineFiles(in: words).flatMap { file -> [String] in
                guard let loaded = try? PipelineLoader.load(path: file) else { return [] }
                return loaded.spec.tasks.map(\.id) + loaded.graph.nodes.map(\.id)
            }
            return Array(Set(ids)).filter { $0.hasPrefix(prefix) }.sorted()
        }
    }

    /// Schedule names in the folder given by `--schedules` (default `schedules`).
    static var scheduleNames: CompletionKind {
        .custom { words, _, prefix in
            let folder = words.firstIndex(of: "--schedules").flatMap { words.indices.contains($0 + 1) ? words[$0 + 1] : nil }
                ?? "schedules"
            let names = (try? ScheduleParser.loadDirectory(folder))?.map(\.name) ?? []
            return names.filter { $0.hasPrefix(prefix) }.sorted()
        }
    }

    /// Pipeline names of the files under ./pipelines.
    static var pipelineNames: CompletionKind {
        .custom { words, _, prefix in
            let names = pipelineFiles(in: []).compactMap { try? PipelineLoader.load(path: $0).spec.name }
            return Array(Set(names)).filter { $0.hasPrefix(prefix) }.sorted()
        }
    }

    private static func recentRunIDs(_ environment: OrchEnvironment) async throws -> [String] {
        // Completion must not start a server: with no URL, only a running embedded cluster is asked.
        if environment.databaseURL == nil, try await !environment.embedded.isRunning() { return [] }
        return try await environment.withStore { store in try await store.runs.list(limit: 50).map(\.id) }
    }

    /// The pipeline files named on the line, else every pipelines/*.yml (also `orch ls`'s default).
    static func pipelineFiles(in words: [String]) -> [String] {
        let named = words.filter { ($0.hasSuffix(".yml") || $0.hasSuffix(".yaml")) && FileManager.default.fileExists(atPath: $0) }
        if !named.isEmpty { return named }
        let found = (try? FileManager.default.contentsOfDirectory(atPath: "pipelines")) ?? []
        return found.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted().map { "pipelines/\($0)" }
    }
}
