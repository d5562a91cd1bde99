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

    /// The same for every event of the run: computed once.
    private let parentRunID: String
    private let nominalStartTime: String
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    init(info: RunInfo, datasets: [String: (reads: [String], writes: [String])], url: String?) {
        self.info = info
        self.datasets = datasets
        self.url = url
        parentRunID = Self.uuid(info.id)
        nominalStartTime = info.logicalTime.ISO8601Format()
        let facets = Self.facets(info: info, parentRunID: parentRunID, nominalStartTime: nominalStartTime, error: nil)
        plainFacets = Array((try? encoder.encode(facets)) ?? Data("{}".utf8))
    }

    /// The file stays open for the run (appending), so each batch of events costs one write.
    private let file = Mutex<FileHandle?>(nil)

    deinit { file.withLock { try? $0?.close() } }

    func observe(_ event: RunEvent) async {
        await observe(batch: [event])
    }

    /// A file of events is not read while the run goes on: the store's window, one write per window.
    var gatherWindow: Duration { .milliseconds(5) }

    /// The batch's OpenLineage events, appended to the file in one write, then POSTed one by one (if a URL is set).
    func observe(batch: [RunEvent]) async {
        let lines = batch.compactMap(lineageEvent)
        guard !lines.isEmpty else { return }
        append(lines.reduce(into: Data()) { all, line in all += line; all.append(0x0A) })
        guard let url else { return }
        for data in lines {
            if let problem = await HTTPPost.json(data, to: url, attempts: 2, timeout: .seconds(5)),
               warned.withLock({ w in defer { w = true }; return !w }) {
                FileHandle.standardError.write(Data("orch: OpenLineage events cannot be sent to \(url) (\(problem)); they are in \(info.folder.openLineage)\n".utf8))
            }
        }
    }

    /// The OpenLineage event an orch event stands for, as JSON; nil for most events.
    private func lineageEvent(_ event: RunEvent) -> Data? {
        switch event {
        case let .taskStateChanged(task, .running, at, _):
            guard started.withLock({ $0.insert(task).inserted }) else { return nil }
            return encode("START", task: task, at: at, inputs: datasets[task]?.reads ?? [], outputs: datasets[task]?.writes ?? [], error: nil)
        case let .attemptFinished(record) where record.status == .succeeded:
            let edges = record.output?.lineage ?? []
            let inputs = edges.isEmpty ? datasets[record.task]?.reads ?? [] : Array(Set(edges.map(\.source))).sorted()
            let outputs = edges.isEmpty ? datasets[record.task]?.writes ?? [] : Array(Set(edges.map(\.target))).sorted()
            return encode("COMPLETE", task: record.task, at: record.finishedAt, inputs: inputs, outputs: outputs, error: nil)
        case let .taskStateChanged(task, state, at, message) where state == .failed || state == .cancelled:
            guard started.withLock({ $0.contains(task) }) else { return nil }
            return encode(state == .failed ? "FAIL" : "ABORT", task: task, at: at, inputs: datasets[task]?.reads ?? [],
                          outputs: datasets[task]?.writes ?? [], error: message)
        default:
            return nil
        }
    }

    /// The run's facets without an error, as JSON: the same for every event, encoded once.
    private let plainFacets: [UInt8]

    private func facets(error: String?) -> OpenLineageEvent.RunFacets {
        Self.facets(info: info, parentRunID: parentRunID, nominalStartTime: nominalStartTime, error: error)
    }

    private static func facets(info: RunInfo, parentRunID: String, nominalStartTime: String, error: String?) -> OpenLineageEvent.RunFacets {
        OpenLineageEvent.RunFacets(
            parent: .init(schemaURL: "https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json",
                          body: .init(job: .init(namespace: "orch", name: info.pipeline), run: .init(runId: parentRunID))),
            nominalTime: .init(schemaURL: "https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json",
                               body: .init(nominalStartTime: nominalStartTime)),
            orch: .init(schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunFacet",
                        body: .init(runId: info.id, trigger: info.trigger.text)),
            errorMessage: error.map { .init(schemaURL: "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json", body: .init(message: $0)) })
    }

    /// The event as a value: what `encode` writes, and how an event with an error is written.
    func typedEvent(_ type: String, task: String, at: Date, inputs: [String], outputs: [String], error: String?) -> OpenLineageEvent {
        OpenLineageEvent(eventType: type, eventTime: JSONOutput.timestamp(at),
                         run: .init(runId: Self.uuid(info.id + "/" + task), facets: facets(error: error)),
                         job: .init(namespace: "orch://\(info.pipeline)", name: task),
                         inputs: inputs.map(OpenLineageEvent.Dataset.init), outputs: outputs.map(OpenLineageEvent.Dataset.init))
    }

    /// `typedEvent` as JSON (the same keys and values as `JSONEncoder` gives),
    /// put together from bytes: the encoder took 20 µs an event, a third of
    /// an `empty` task. An event with an error (rare) goes through the encoder.
    func encode(_ type: String, task: String, at: Date, inputs: [String], outputs: [String], error: String?) -> Data? {
        if error != nil {
            return try? encoder.encode(typedEvent(type, task: task, at: at, inputs: inputs, outputs: outputs, error: error))
        }
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        func key(_ name: String, _ value: String) {
            JSONText.appendQuoted(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONText.appendQuoted(value, to: &out)
        }
        func datasets(_ names: [String]) {
            out.append(UInt8(ascii: "["))
            for (i, name) in names.enumerated() {
                let dataset = OpenLineageEvent.Dataset(name)
                out.append(contentsOf: (i == 0 ? "{" : ",{").utf8)
                key("namespace", dataset.namespace)
                out.append(UInt8(ascii: ","))
                key("name", dataset.name)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "{"))
        key("eventType", type)
        out.append(UInt8(ascii: ","))
        key("eventTime", JSONOutput.timestamp(at))
        out.append(UInt8(ascii: ","))
        key("producer", Self.producer)
        out.append(UInt8(ascii: ","))
        key("schemaURL", OpenLineageEvent.runEventSchema)
        out.append(contentsOf: ",\"run\":{".utf8)
        key("runId", Self.uuid(info.id + "/" + task))
        out.append(contentsOf: ",\"facets\":".utf8)
        out.append(contentsOf: plainFacets)
        out.append(contentsOf: "},\"job\":{".utf8)
        key("namespace", "orch://\(info.pipeline)")
        out.append(UInt8(ascii: ","))
        key("name", task)
        out.append(contentsOf: "},\"inputs\":".utf8)
        datasets(inputs)
        out.append(contentsOf: ",\"outputs\":".utf8)
        datasets(outputs)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    private func append(_ data: Data) {
        let path = info.folder.openLineage
        do {
            try file.withLock { handle in
                if handle == nil {
                    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
                    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                    handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
                }
                try handle?.write(contentsOf: data)
            }
        } catch where fileWarned.withLock({ w in defer { w = true }; return !w }) {
            // A full disk or an unwritable run folder: say so once, never silently drop the events.
            FileHandle.standardError.write(Data("orch: warning: cannot write OpenLineage events to \(path): \(error.localizedDescription)\n".utf8))
        } catch {}
    }

    static let producer = "https://github.com/orch/orch"

    /// A stable UUID (version 5 layout) from text, so one task run keeps one runId across events.
    static func uuid(_ text: String) -> String {
        var hex = Array((StableHash.hex(text) + StableHash.hex("orch:" + text)).utf8)
        hex[12] = UInt8(ascii: "5")
        let variant = hex[16] <= UInt8(ascii: "9") ? hex[16] - UInt8(ascii: "0") : hex[16] - UInt8(ascii: "a") + 10
        hex[16] = Array("89ab".utf8)[Int(variant) % 4]
        // 8-4-4-4-12, in bytes (slicing and joining strings was a third of an event).
        for dash in [20, 16, 12, 8] { hex.insert(UInt8(ascii: "-"), at: dash) }
        return String(decoding: hex, as: UTF8.self)
    }
}

extension PipelineRunner {
    func exporters(_ info: RunInfo, plan: ExecutionPlan) -> [any RunObserver] {
        var datasets: [String: (reads: [String], writes: [String])] = [:]
        for (_, task) in plan.tasks { datasets[task.id] = (task.reads, task.writes) }
        return [OpenLineageExporter(info: info, datasets: datasets, url: environment.openLineageURL)]
    }
}
