/// A pipeline file as written: what to run, not how. Pure data.
public struct PipelineSpec: Sendable, Hashable {
    public var name: String
    public var description: String?
    /// Declared parameters and their defaults, in file order.
    public var params: [Param]
    public var defaults: TaskDefaults
    public var tasks: [TaskSpec]
    /// The file it was read from, and its folder: paths in a pipeline are relative to it.
    public var file: String
    public var directory: String
    /// A digest of the whole file's meaning (not its comments or spacing).
    public var specHash: String
    /// Who to tell when a run does not succeed.
    public var onFailure: AlertSpec?

    public struct Param: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public func task(_ id: String) -> TaskSpec? { tasks.first { $0.id == id } }
}

/// Settings every task inherits unless it sets its own.
public struct TaskDefaults: Sendable, Hashable {
    public var retry = RetryPolicy()
    public var timeout: Duration?
    public init() {}
}

/// One task as written in the pipeline.
public struct TaskSpec: Sendable, Hashable {
    public var id: String
    public var kind: String
    public var after: [String]
    public var reads: [String]
    public var writes: [String]
    public var tags: [String]
    public var retry: RetryPolicy
    public var timeout: Duration?
    /// Kind-specific fields (every key not common to all tasks), checked by the kind.
    public var options: SpecValue
    public var location: SourceLocation
    /// Where `after:` was written, for messages about missing tasks.
    public var afterLocations: [SourceLocation]

    public init(id: String, kind: String, after: [String] = [], reads: [String] = [], writes: [String] = [],
                tags: [String] = [], retry: RetryPolicy = RetryPolicy(), timeout: Duration? = nil,
                options: SpecValue, location: SourceLocation, afterLocations: [SourceLocation] = []) {
        self.id = id
        self.kind = kind
        self.after = after
        self.reads = reads
        self.writes = writes
        self.tags = tags
        self.retry = retry
        self.timeout = timeout
        self.options = options
        self.location = location
        self.afterLocations = afterLocations
    }
}

extension TaskSpec {
    /// A strict reader over this task's kind-specific fields. Common keys are
    /// offered as suggestions so that `retires:` still suggests `retries`.
    public func optionsReader(diagnostics: inout [Diagnostic]) -> MappingReader? {
        guard var reader = MappingReader(options, context: "task `\(id)` (kind \(kind))", diagnostics: &diagnostics) else {
            return nil
        }
        reader.markKnown(PipelineParser.commonTaskKeys)
        return reader
    }
}

/// `on_failure:` of a pipeline or schedule: a webhook (POST of a JSON
/// summary with a `text` field for chat tools) and/or a command; retried,
/// time-limited, never fatal. Strings may use templates (`{{ env.SLACK_URL }}`).
public struct AlertSpec: Sendable, Hashable {
    public var webhook: String?
    public var command: String?
    public var timeout: Duration = .seconds(10)
    public var retries: Int = 2

    public init(webhook: String? = nil, command: String? = nil) {
        self.webhook = webhook
        self.command = command
    }

    /// Reads an `on_failure` mapping; nil (with diagnostics) when it is malformed.
    public static func read(_ value: SpecValue, diagnostics: inout [Diagnostic]) -> AlertSpec? {
        guard var r = MappingReader(value, context: "`on_failure`", diagnostics: &diagnostics) else { return nil }
        var alert = AlertSpec(webhook: r.string("webhook"), command: r.string("command"))
        if let t = r.duration("timeout") { alert.timeout = t }
        if let n = r.int("retries", min: 0, max: 100) { alert.retries = n }
        if alert.webhook == nil && alert.command == nil {
            r.report("`on_failure` needs `webhook:` (a URL) or `command:` (a shell line), or both", at: value.location)
        }
        diagnostics += r.finish()
        return alert
    }
}
