import Foundation

/// Reads a pipeline file into a `PipelineSpec`, reporting every problem with
/// its file, line and column. Kind-specific fields are left to the kinds.
public enum PipelineParser {
    /// Keys every task may have; anything else belongs to its kind.
    public static let commonTaskKeys = ["id", "kind", "after", "reads", "writes", "tags", "description",
                                        "retries", "retry_delay", "backoff", "max_retry_delay", "jitter", "timeout"]
    static let topLevelKeys = ["name", "description", "params", "defaults", "tasks", "on_failure"]

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> PipelineSpec {
        let (spec, diagnostics) = try loadReportingAll(path: path)
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        return spec
    }

    /// Reads the file at `path` as far as it can: the tasks that parsed, and
    /// every problem found, so that a caller checking further (kinds, the
    /// graph) reports all problems at once rather than in stages.
    /// - Throws: `SpecError` only when nothing can be read (no file, bad YAML).
    public static func loadReportingAll(path: String) throws -> (PipelineSpec, [Diagnostic]) {
        let text = try SpecFile.read(path, what: "pipeline")
        return try parseReportingAll(text, file: path)
    }

    /// Parses pipeline YAML `text`; `file` names it in locations and anchors relative paths.
    public static func parse(_ text: String, file: String) throws -> PipelineSpec {
        let (spec, diagnostics) = try parseReportingAll(text, file: file)
        if !diagnostics.isEmpty { throw SpecError(diagnostics) }
        return spec
    }

    /// `parse`, returning what parsed with every problem found (see `loadReportingAll`).
    public static func parseReportingAll(_ text: String, file: String) throws -> (PipelineSpec, [Diagnostic]) {
        let root = try YAMLDocument.parse(text, file: file)
        var diagnostics: [Diagnostic] = []
        guard var top = MappingReader(root, context: "the pipeline", diagnostics: &diagnostics) else {
            throw SpecError(diagnostics)
        }
        let name = top.requiredString("name", hint: "add `name: my_pipeline` at the top") ?? ""
        if !name.isEmpty && !isIdentifier(name) {
            top.report("pipeline name `\(name)` may only use letters, digits, `_`, `-` and `.`",
                       at: top.raw("name")?.location ?? root.location)
        }
        let description = top.string("description")
        let params = (top.stringMap("params") ?? []).map { PipelineSpec.Param(name: $0.0, value: $0.1) }
        var defaults = TaskDefaults()
        if let d = top.raw("defaults"), case .map = d.kind,
           var reader = MappingReader(d, context: "`defaults`", diagnostics: &diagnostics) {
            readRetry(&reader, into: &defaults.retry)
            defaults.timeout = reader.duration("timeout")
            diagnostics += reader.finish()
        } else if let d = top.raw("defaults"), d.kind != .null {
            diagnostics.append(Diagnostic("`defaults` must be a mapping", at: d.location))
        }

        let onFailure = top.raw("on_failure").flatMap { AlertSpec.read($0, diagnostics: &diagnostics) }
        var tasks: [TaskSpec] = []
        if let list = top.raw("tasks") {
            if case let .list(items) = list.kind {
                if items.isEmpty { diagnostics.append(Diagnostic("`tasks` is empty", at: list.location,
                                                                 hint: "add at least one task with `id:` and `kind:`")) }
                for item in items {
                    if let task = parseTask(item, defaults: defaults, diagnostics: &diagnostics) { tasks.append(task) }
                }
            } else {
                diagnostics.append(Diagnostic("`tasks` must be a list (each item starting with `- id:`), found \(list.typeName)",
                                              at: list.location))
            }
        } else {
            top.report("the pipeline has no `tasks`", at: root.location, hint: "add `tasks:` with a list of tasks")
        }
        diagnostics += top.finish()
        diagnostics += checkReferences(tasks: tasks, params: Set(params.map(\.name)))

        let directory = (file as NSString).deletingLastPathComponent
        let spec = PipelineSpec(name: name, description: description, params: params, defaults: defaults,
                            tasks: tasks, file: file, directory: directory.isEmpty ? "." : directory,
                            specHash: StableHash.hex(root.plain.canonical), onFailure: onFailure)
        return (spec, diagnostics)
    }

    /// More retries than anyone means; the cap keeps `retries + 1` attempts from overflowing.
    public static let maxRetries = 1_000

    static func readRetry(_ reader: inout MappingReader, into policy: inout RetryPolicy) {
        if let n = reader.int("retries", min: 0, max: maxRetries) { policy.retries = n }
        if let d = reader.duration("retry_delay") { policy.delay = d }
        if let text = reader.string("backoff") {
            if let b = RetryPolicy.Backoff(rawValue: text) { policy.backoff = b } else {
                reader.report("`backoff` must be `fixed` or `exponential`, found `\(text)`",
                              at: reader.raw("backoff")!.location)
            }
        }
        if let d = reader.duration("max_retry_delay") { policy.maxDelay = d }
        if let j = reader.bool("jitter") { policy.jitter = j }
    }

    private static func parseTask(_ item: SpecValue, defaults: TaskDefaults,
                                  diagnostics: inout [Diagnostic]) -> TaskSpec? {
        guard var r = MappingReader(item, context: "a task", diagnostics: &diagnostics) else { return nil }
        let id = r.requiredString("id", hint: "give every task a unique `id:`")
        if let id { r.context = "task `\(id)`" }
        let kind = r.requiredString("kind", hint: "say what the task does, e.g. `kind: command`")
        let after = r.stringList("after") ?? []
        var afterLocations: [SourceLocation] = []
        if let a = r.raw("after") {
            if case let .list(items) = a.kind { afterLocations = items.map(\.location) } else { afterLocations = [a.location] }
        }
        let reads = r.stringList("reads") ?? []
        let writes = r.stringList("writes") ?? []
        let tags = r.stringList("tags") ?? []
        _ = r.string("description")
        var retry = defaults.retry
        readRetry(&r, into: &retry)
        let timeout = r.duration("timeout") ?? defaults.timeout
        if let id, !isIdentifier(id) {
            r.report("task id `\(id)` may only use letters, digits, `_`, `-` and `.`", at: r.location(of: "id"))
        }
        diagnostics += r.diagnostics

        // Everything else is the kind's; it checks those keys itself.
        guard case let .map(pairs) = item.kind else { return nil }
        let options = SpecValue(.map(pairs.filter { !commonTaskKeys.contains($0.key.scalar ?? "") }), at: item.location)
        guard let id, let kind else { return nil }
        return TaskSpec(id: id, kind: kind, after: after, reads: reads, writes: writes, tags: tags,
                        retry: retry, timeout: timeout, options: options, location: item.location,
                        afterLocations: afterLocations)
    }

    /// Duplicate ids, `after:` naming a missing task, templates naming unknown params.
    private static func checkReferences(tasks: [TaskSpec], params: Set<String>) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var seen: [String: SourceLocation] = [:]
        for task in tasks {
            if let first = seen[task.id] {
                diagnostics.append(Diagnostic("duplicate task id `\(task.id)` (first defined at \(first))",
                                              at: task.location, hint: "task ids must be unique; rename one of them"))
            } else {
                seen[task.id] = task.location
            }
        }
        let ids = tasks.map(\.id)
        for task in tasks {
            // Reading one's own output (incremental) is fine; running after oneself is a cycle.
            for (i, dep) in task.after.enumerated() where dep == task.id {
                let location = i < task.afterLocations.count ? task.afterLocations[i] : task.location
                diagnostics.append(Diagnostic("dependency cycle: \(dep) → \(dep)", at: location,
                                              hint: "a task cannot run after itself; remove `\(dep)` from its `after:`"))
            }
            for (i, dep) in task.after.enumerated() where seen[dep] == nil {
                let hint = KeySuggestion.nearest(to: dep, among: ids).map { "did you mean `\($0)`?" }
                    ?? "tasks in this pipeline: " + ids.joined(separator: ", ")
                let location = i < task.afterLocations.count ? task.afterLocations[i] : task.location
                diagnostics.append(Diagnostic("task `\(task.id)` runs after `\(dep)`, which is not a task in this pipeline",
                                              at: location, hint: hint))
            }
            _ = try? task.options.mapScalars { text, location in
                do { try Template.check(text, params: params, at: location) } catch let d as Diagnostic {
                    diagnostics.append(d)
                }
                return text
            }
        }
        return diagnostics
    }

    static func isIdentifier(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
    }
}

/// FNV-1a, 64 bits: a stable digest for change detection (not for security).
public enum StableHash {
    public static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let s = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
