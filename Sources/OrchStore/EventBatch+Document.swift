import OrchSpec

/// A batch's rows as the JSON document `jsonb_to_recordset` reads, written
/// by hand: `JSONEncoder` was a fourteenth of an `orch run` of 1,000 `empty`
/// tasks, for flat rows of text, numbers and booleans. The batch tests hold
/// a batch to the same events written one by one.
protocol JSONRow {
    func appendJSON(to json: inout JSONObjectWriter)
}

/// A document of JSON objects, appended to one buffer. An absent value
/// leaves its key out, as the synthesized `Encodable` did: `->` of a missing
/// key is SQL NULL, of a JSON `null` it is not (an attempt's `output`).
struct JSONObjectWriter {
    private(set) var out = ""
    /// Per open object: whether it has a member yet.
    private var hasMember: [Bool] = []

    mutating func beginObject() {
        out += "{"
        hasMember.append(false)
    }

    mutating func endObject() {
        hasMember.removeLast()
        out += "}"
    }

    mutating func raw(_ text: String) { out += text }

    private mutating func key(_ name: StaticString) {
        out += hasMember[hasMember.count - 1] ? ",\"" : "\""
        hasMember[hasMember.count - 1] = true
        out += name.description
        out += "\":"
    }

    mutating func text(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONText.quote(value, into: &out)
    }

    mutating func number(_ name: StaticString, _ value: Int?) {
        guard let value else { return }
        key(name)
        out += String(value)
    }

    /// Seconds since 1970, as Swift writes a `Double` (the shortest text that reads back as the same value).
    mutating func number(_ name: StaticString, _ value: Double?) {
        guard let value, value.isFinite else { return }
        key(name)
        out += "\(value)"
    }

    mutating func flag(_ name: StaticString, _ value: Bool) {
        key(name)
        out += value ? "true" : "false"
    }

    mutating func map(_ name: StaticString, _ value: [String: String]?) {
        guard let value else { return }
        key(name)
        out += "{"
        for (i, (k, v)) in value.enumerated() {
            if i > 0 { out += "," }
            JSONText.quote(k, into: &out)
            out += ":"
            JSONText.quote(v, into: &out)
        }
        out += "}"
    }

    mutating func object(_ name: StaticString, _ value: (some JSONRow)?) {
        guard let value else { return }
        key(name)
        beginObject()
        value.appendJSON(to: &self)
        endObject()
    }
}

extension EventBatch {
    static func document(_ rows: [some JSONRow]) -> String {
        var json = JSONObjectWriter()
        json.raw("[")
        for (i, row) in rows.enumerated() {
            if i > 0 { json.raw(",") }
            json.beginObject()
            row.appendJSON(to: &json)
            json.endObject()
        }
        json.raw("]")
        return json.out
    }
}

extension EventBatch.TaskRow: JSONRow {
    func appendJSON(to json: inout JSONObjectWriter) {
        json.text("task", task)
        json.text("state", state)
        json.text("message", message)
        json.number("started_at", started_at)
        json.number("finished_at", finished_at)
        json.flag("keep_stored_end", keep_stored_end)
        json.flag("state_unchanged", state_unchanged)
        json.number("attempt", attempt)
    }
}

extension EventBatch.AttemptStart: JSONRow {
    func appendJSON(to json: inout JSONObjectWriter) {
        json.text("task", task)
        json.number("attempt", attempt)
        json.number("started_at", started_at)
        json.text("log_path", log_path)
        json.object("ending", ending)
        json.object("process", process)
    }
}

extension EventBatch.AttemptProcess: JSONRow {
    func appendJSON(to json: inout JSONObjectWriter) {
        json.text("task", task)
        json.number("attempt", attempt)
        json.number("process_group", process_group)
        json.text("process_stamp", process_stamp)
    }
}

extension EventBatch.AttemptEnd: JSONRow {
    func appendJSON(to json: inout JSONObjectWriter) {
        json.text("task", task)
        json.number("attempt", attempt)
        json.text("status", status)
        json.number("finished_at", finished_at)
        json.number("duration_ms", duration_ms)
        json.text("error_class", error_class)
        json.text("error", error)
        json.number("exit_code", exit_code)
        json.text("log_tail", log_tail)
        json.map("output", output)
    }
}
