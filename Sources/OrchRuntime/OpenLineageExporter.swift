import Foundation
import OrchExecution
import OrchSpec
import Synchronization

/// OpenLineage run events (START, COMPLETE, FAIL, ABORT) for every task run,
/// appended to `runs/<pipeline>/<run>/openlineage.jsonl` and, when
/// `ORCH_OPENLINEAGE_URL` is set, POSTed there (failures are logged, never fatal).
final class OpenLineageExporter: RunObserver {
    let info: RunInfo
    let datasets: [String: (reads: [String], writes: [String])]
    let url: String?
    private let started = Mutex(Set<String>())
    private let warned = Mutex(false)
    private let fileWarned = Mutex(false)

    init(info: RunInfo, datasets: [String: (reads: [String], writes: [String])], url: String?) {
        self.info = info
        self.datasets = datasets
        self.url = url
    }

    func observe(_ event: RunEvent) async {
        switch event {
        case let .taskStateChanged(task, .running, at, _):
            guard started.withLock({ $0.insert(task).inserted }) else { return }
            await emit("START", task: task, at: at, inputs: datasets[task]?.reads ?? [], outputs: datasets[task]?.writes ?? [], error: nil)
        case let .attemptFinished(record) where record.status == .succeeded:
            let edges = record.output?.lineage ?? []
            let inputs = edges.isEmpty ? datasets[record.task]?.reads ?? [] : Array(Set(edges.map(\.source))).sorted()
            let outputs = edges.isEmpty ? datasets[record.task]?.writes ?? [] : Array(Set(edges.map(\.target))).sorted()
            await emit("COMPLETE", task: record.task, at: record.finishedAt, inputs: inputs, outputs: outputs, error: nil)
        case let .taskStateChanged(task, state, at, message) where state == .failed || state == .cancelled:
            guard started.withLock({ $0.contains(task) }) else { return }
            await emit(state == .failed ? "FAIL" : "ABORT", task: task, at: at, inputs: datasets[task]?.reads ?? [],
                       outputs: datasets[task]?.writes ?? [], error: message)
        default:
            return
        }
    }

    private func emit(_ type: String, task: String, at: Date, inputs: [String], outputs: [String], error: String?) async {
        var runFacets: [String: Any] = [
            "parent": ["_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json",
                       "job": ["namespace": "orch", "name": info.pipeline], "run": ["runId": Self.uuid(info.id)]],
            "nominalTime": ["_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json",
                            "nominalStartTime": info.logicalTime.ISO8601Format()],
            "orch": ["_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunFacet",
                     "runId": info.id, "trigger": info.trigger.text],
        ]
        if let error {
            runFacets["errorMessage"] = ["_producer": Self.producer, "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json",
                                         "message": error, "programmingLanguage": "SQL/shell"]
        }
        let event: [String: Any] = [
            "eventType": type, "eventTime": at.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            "producer": Self.producer, "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
            "run": ["runId": Self.uuid(info.id + "/" + task), "facets": runFacets],
            "job": ["namespace": "orch://\(info.pipeline)", "name": task],
            "inputs": inputs.map(Self.dataset), "outputs": outputs.map(Self.dataset),
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        let path = info.folder.openLineage
        do {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteUnknown) }
            defer { try? handle.close() }
            _ = try handle.seekToEnd()
            try handle.write(contentsOf: data + Data("\n".utf8))
        } catch where fileWarned.withLock({ w in defer { w = true }; return !w }) {
            // A full disk or an unwritable run folder: say so once, never silently drop the events.
            FileHandle.standardError.write(Data("orch: warning: cannot write OpenLineage events to \(path): \(error.localizedDescription)\n".utf8))
        } catch {}
        if let url, let problem = await HTTPPost.json(data, to: url, attempts: 2, timeout: .seconds(5)),
           warned.withLock({ w in defer { w = true }; return !w }) {
            FileHandle.standardError.write(Data("orch: OpenLineage events cannot be sent to \(url) (\(problem)); they are in \(path)\n".utf8))
        }
    }

    static let producer = "https://github.com/orch/orch"

    static func dataset(_ name: String) -> [String: Any] {
        if name.hasPrefix("file:") { return ["namespace": "file", "name": String(name.dropFirst(5))] }
        if name.hasPrefix("http:") { return ["namespace": "http", "name": String(name.dropFirst(5))] }
        return ["namespace": "postgres://orch", "name": name]
    }

    /// A stable UUID (version 5 layout) from text, so one task run keeps one runId across events.
    static func uuid(_ text: String) -> String {
        let a = StableHash.hex(text), b = StableHash.hex("orch:" + text)
        var hex = Array(a + b)
        hex[12] = "5"
        hex[16] = ["8", "9", "a", "b"][Int(String(hex[16]), radix: 16)! % 4]
        let s = String(hex)
        return [s.prefix(8), s.dropFirst(8).prefix(4), s.dropFirst(12).prefix(4), s.dropFirst(16).prefix(4), s.dropFirst(20).prefix(12)]
            .joined(separator: "-")
    }
}

extension PipelineRunner {
    func exporters(_ info: RunInfo, plan: ExecutionPlan) -> [any RunObserver] {
        var datasets: [String: (reads: [String], writes: [String])] = [:]
        for (_, task) in plan.tasks { datasets[task.id] = (task.reads, task.writes) }
        return [OpenLineageExporter(info: info, datasets: datasets, url: environment.openLineageURL)]
    }
}
