import Foundation
import Synchronization

extension InMemoryRunStore {
    public func list(_ filter: RunFilter, limit: Int) async throws -> [StoredRun] {
        state.withLock { s in
            let cursor = filter.olderThan.map { s.stored($0) }
            return s.runs.values.compactMap { s.stored($0.run.id) }.filter(filter.matches)
                .filter { run in cursor.map { $0.map { RunFilter.isOlder(run, than: $0) } ?? false } ?? true }
                .sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }.prefix(limit).map { $0 }
        }
    }

    public func count(_ filter: RunFilter) async throws -> Int {
        state.withLock { s in s.runs.values.compactMap { s.stored($0.run.id) }.filter(filter.matches).count }
    }

    public func resolve(_ idOrPrefix: String) async throws -> String {
        let ids = state.withLock { s in
            (s.runs[idOrPrefix] == nil ? [] : [idOrPrefix])
                + s.runs.keys.filter { $0.hasPrefix(idOrPrefix) && $0 != idOrPrefix }.sorted(by: >).prefix(5)
        }
        return try RunStoreError.resolve(idOrPrefix, among: ids)
    }

    public func detail(_ id: String) async throws -> StoredRunDetail? {
        state.withLock { s in
            guard let run = s.stored(id) else { return nil }
            return StoredRunDetail(run: run, tasks: (s.tasks[id] ?? [:]).values.map(\.task).sorted { $0.position < $1.position })
        }
    }

    public func latestUnsuccessful() async throws -> String? {
        newest { RunStatus.unsuccessful.contains($0.status) }?.id
    }

    public func lastSuccess(pipeline: String, before: Date) async throws -> StoredRun? {
        let withTasks = state.withLock { s in Set(s.tasks.filter { !$0.value.isEmpty }.keys) }
        guard let id = newest({ $0.pipeline == pipeline && $0.status == .succeeded && $0.startedAt < before && withTasks.contains($0.id) })?.id
        else { return nil }
        return try await detail(id)?.run
    }

    func newest(_ matching: (StoredRun) -> Bool) -> StoredRun? {
        state.withLock { s in s.runs.values.map(\.run).filter(matching).max { $0.startedAt < $1.startedAt } }
    }

    public func outputs(run: String) async throws -> [String: [String: String]] {
        state.withLock { s in
            var out: [String: [String: String]] = [:]
            for (task, row) in s.tasks[run] ?? [:] {
                let succeeded = row.task.attempts.filter { $0.status == .succeeded && row.outputs[$0.attempt] != nil }
                if let latest = succeeded.map(\.attempt).max() { out[task] = row.outputs[latest] }
            }
            return out
        }
    }

    public func lastProduced(_ datasets: [String]) async throws -> [String: DatasetProduction] {
        state.withLock { s in
            var out: [String: DatasetProduction] = [:]
            for edge in s.lineage where datasets.contains(edge.target) && (out[edge.target].map { edge.producedAt > $0.at } ?? true) {
                out[edge.target] = DatasetProduction(run: edge.run, at: edge.producedAt)
            }
            return out
        }
    }

    public func testResults(run: String?, model: String?, failedOnly: Bool) async throws -> (String?, [StoredTestResult]) {
        state.withLock { s in
            let all = s.tests.values.flatMap(\.values)
            guard let runID = run ?? all.max(by: { $0.result.recordedAt < $1.result.recordedAt })?.result.runID else { return (nil, []) }
            let latest = Dictionary(grouping: (s.tests[runID] ?? [:]).values, by: \.result.taskID)
                .compactMapValues { $0.max { $0.attempt < $1.attempt }?.result }.values
            let shown = latest.filter { (model == nil || $0.model == model) && !(failedOnly && $0.status == .pass) }
            return (runID, shown.sorted { ($0.model, $0.test) < ($1.model, $1.test) })
        }
    }

    public func lineage(of dataset: String, upstream: Bool, depth: Int) async throws -> LineageNode {
        let edges = state.withLock { $0.lineage }
        var seen = Set<String>()
        return Self.lineageNode(dataset, upstream: upstream, depth: depth, edges: edges, seen: &seen)
    }

    static func lineageNode(_ dataset: String, upstream: Bool, depth: Int, edges: Set<LineageRow>, seen: inout Set<String>) -> LineageNode {
        let latest = { (target: String) in edges.filter { $0.target == target }.max { $0.producedAt < $1.producedAt } }
        let last = latest(dataset)
        var node = LineageNode(dataset: dataset, lastRunID: last?.run, lastTaskID: last?.task, lastProducedAt: last?.producedAt, children: [])
        guard depth > 0, seen.insert(dataset).inserted else { return node }
        let next: [String]
        if upstream {
            next = last.map { l in edges.filter { $0.run == l.run && $0.task == l.task && $0.target == dataset }.map(\.source) } ?? []
        } else {
            // Datasets whose latest production read this one.
            next = Set(edges.filter { $0.source == dataset && $0.producedAt == latest($0.target)?.producedAt }.map(\.target)).map { $0 }
        }
        for child in next.sorted() {
            node.children.append(lineageNode(child, upstream: upstream, depth: depth - 1, edges: edges, seen: &seen))
        }
        return node
    }

    public func prune(before: Date, keepFailed: Bool, dryRun: Bool, batchSize: Int) async throws -> PruneResult {
        state.withLock { s in
            let statuses = RunStatus.prunable(keepFailed: keepFailed)
            let ids = s.runs.values.filter { statuses.contains($0.run.status) && ($0.run.finishedAt ?? $0.run.startedAt) < before }
                .map(\.run.id)
            var result = PruneResult()
            let latest = Dictionary(grouping: s.lineage, by: \.target).mapValues { $0.map(\.producedAt).max()! }
            // Lineage edges that are still the latest production of their dataset outlive their run.
            let superseded = s.lineage.filter { ids.contains($0.run) && $0.producedAt < latest[$0.target]! }
            result.runs = ids.count
            result.attempts = ids.reduce(0) { $0 + (s.tasks[$1] ?? [:]).values.reduce(0) { $0 + $1.task.attempts.count } }
            result.testResults = ids.reduce(0) { $0 + (s.tests[$1]?.count ?? 0) }
            result.lineageEdges = superseded.count
            result.folders = ids.compactMap { s.runs[$0]?.run.runDirectory }.filter { !$0.isEmpty }
            guard !dryRun else { return result }
            s.lineage.subtract(superseded)
            for id in ids {
                s.runs[id] = nil
                s.tasks[id] = nil
                s.tests[id] = nil
            }
            // The latest tick of each schedule stays: catch-up starts from it.
            for (schedule, ticks) in s.ticks {
                guard let newest = ticks.keys.max() else { continue }
                s.ticks[schedule] = ticks.filter { $0.key == newest || $0.value.claimedAt >= before }
            }
            return result
        }
    }
}

extension InMemoryRunStore {
    public func knownNames(_ kind: KnownNameKind) async throws -> [String] {
        state.withLock { s in
            let names: [String] = switch kind {
            case .pipeline: s.runs.values.map(\.run.pipeline)
            case .testedModel: s.tests.values.flatMap(\.values).map(\.result.model)
            case .dataset: s.lineage.flatMap { [$0.source, $0.target] }
            }
            return Set(names).sorted()
        }
    }
}
