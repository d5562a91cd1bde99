import Foundation
import OrchExecution

/// Tasks and attempts written as `JSONOutput.encoder()` writes them (pretty,
/// keys sorted, 2 spaces a level), straight into bytes: the encoder, a task
/// at a time, was a sixth of an `orch run` of 1,000 `empty` tasks, for a
/// document of strings, integers and timestamps. `RunResultsEncodingTests`
/// holds these bytes to the encoder's own, for any text.
struct PrettyJSONWriter {
    var out: [UInt8] = []
    /// How many levels deep the value being written sits.
    private var depth: Int
    /// Whether the object being written has a member yet.
    private var hasMember: [Bool] = []

    init(depth: Int, capacity: Int = 0) {
        self.depth = depth
        out.reserveCapacity(capacity)
    }

    private mutating func newline(_ level: Int) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
    }

    mutating func beginObject() {
        out.append(UInt8(ascii: "{"))
        depth += 1
        hasMember.append(false)
    }

    mutating func endObject() {
        depth -= 1
        // (Every object here has members: the encoder's form of an empty one is not needed.)
        hasMember.removeLast()
        newline(depth)
        out.append(UInt8(ascii: "}"))
    }

    /// `"key" : ` on a line of its own, after a comma unless it is the object's first.
    mutating func key(_ name: StaticString) {
        if hasMember[hasMember.count - 1] { out.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        newline(depth)
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: Array("\" : ".utf8))
    }

    mutating func string(_ text: String?) {
        guard let text else { return null() }
        JSONText.appendQuoted(text, to: &out)
    }

    mutating func integer(_ value: Int?) {
        guard let value else { return null() }
        out.append(contentsOf: String(value).utf8)
    }

    mutating func date(_ value: Date?) { string(value.map(JSONOutput.timestamp)) }

    mutating func null() { out.append(contentsOf: Array("null".utf8)) }

    /// An array of `items`, each written by `element` (at the next depth).
    mutating func array<Item>(_ items: [Item], _ element: (inout PrettyJSONWriter, Item) -> Void) {
        out.append(UInt8(ascii: "["))
        depth += 1
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            newline(depth)
            element(&self, item)
        }
        depth -= 1
        if items.isEmpty { out.append(UInt8(ascii: "\n")) }
        newline(depth)
        out.append(UInt8(ascii: "]"))
    }
}

extension TaskRunJSON {
    /// This task as the encoder writes it, keys in `.sortedKeys` order.
    func write(to json: inout PrettyJSONWriter) {
        json.beginObject()
        json.key("attempt_count"); json.integer(attemptCount)
        json.key("attempts"); json.array(attempts) { json, attempt in attempt.write(to: &json) }
        json.key("duration_ms"); json.integer(durationMs)
        json.key("finished_at"); json.date(finishedAt)
        json.key("message"); json.string(message)
        json.key("started_at"); json.date(startedAt)
        json.key("status"); json.string(status.rawValue)
        json.key("task_id"); json.string(taskId)
        json.endObject()
    }
}

extension AttemptJSON {
    func write(to json: inout PrettyJSONWriter) {
        json.beginObject()
        json.key("attempt"); json.integer(attempt)
        json.key("duration_ms"); json.integer(durationMs)
        json.key("error"); json.string(error)
        json.key("error_class"); json.string(errorClass?.rawValue)
        json.key("exit_code"); json.integer(exitCode)
        json.key("finished_at"); json.date(finishedAt)
        json.key("log_path"); json.string(logPath)
        json.key("started_at"); json.date(startedAt)
        json.key("status"); json.string(status.rawValue)
        json.endObject()
    }
}
