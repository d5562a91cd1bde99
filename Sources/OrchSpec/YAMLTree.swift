internal import CYaml

/// Builds a `SpecValue` tree straight from libyaml's event stream, in one
/// pass that also enforces `YAMLDocument`'s limits. Yams' node tree was a
/// third of validating a 10,000-task pipeline (a node per value, then every
/// mapping's keys hashed to find duplicates, then the tree converted again).
/// What it reads is what Yams' `compose` with no implicit tags read (a
/// differential test holds it to that): scalars as text, aliases as the
/// value of their anchor, duplicate keys an error at the first one.
///
/// Limits are checked on events, before anything is expanded: every anchor
/// remembers how many values it expands to and how deep it is, so an alias
/// costs one addition, and a "billion laughs" stops at the first event past
/// a limit. An alias shares its anchor's value (copy on write), never a copy.
enum YAMLTree {
    /// What an anchored value expands to.
    private struct Extent {
        var values: Int
        /// 1 for a scalar, 1 + the deepest child for a collection.
        var height: Int
    }

    /// A collection whose end has not been seen yet.
    private struct Open {
        var isMapping: Bool
        var anchor: String?
        var location: SourceLocation
        /// Values counted before this collection started.
        var valuesBefore: Int
        var deepestChild = 0
        var items: [SpecValue] = []
        var pairs: [(key: SpecValue, value: SpecValue)] = []
        var pendingKey: (value: SpecValue, identity: String?)?
        /// Each key's identity (tag and text, as Yams compares them) and first place.
        var keys: [String: (location: SourceLocation, count: Int)] = [:]
    }

    private static let stringTag = "tag:yaml.org,2002:str"

    /// The document's value, or nil when the stream holds none.
    /// - Throws: `SpecError` for malformed YAML (at the parser's position),
    ///   a duplicate key, an unknown alias, a second document, or a limit.
    static func build(_ text: String, file: String) throws -> SpecValue? {
        let bytes = Array(text.utf8)
        // libyaml asserts on a null input; an empty file holds no document.
        guard !bytes.isEmpty else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw SpecError(Diagnostic("YAML: out of memory", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        return try bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var walk = Walk(file: file)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { throw SpecError(syntaxError(parser, file: file)) }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return walk.root }
                try walk.take(event)
            }
        }
    }

    /// libyaml's complaint, where it was.
    private static func syntaxError(_ parser: yaml_parser_t, file: String) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { " " + String(cString: $0) } ?? ""
        let at = SourceLocation(file: file, line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        switch parser.error {
        case YAML_SCANNER_ERROR:
            return Diagnostic("YAML syntax: \(problem)\(context)", at: at,
                              hint: "check indentation and quoting on this line (a value starting with `{{` must be quoted)")
        case YAML_PARSER_ERROR:
            return Diagnostic("YAML syntax: \(problem)\(context)", at: at, hint: "check indentation and quoting on this line")
        case YAML_READER_ERROR:
            // Characters YAML does not allow (control characters): libyaml knows the byte, not the line.
            return Diagnostic("YAML: \(problem) at byte \(parser.problem_offset)",
                              at: SourceLocation(file: file, line: 1, column: 1),
                              hint: "remove control characters from the file")
        default:
            return Diagnostic("YAML: \(problem)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// The values so far (aliases counted, not expanded), the open
    /// collections, and what each anchor holds.
    private struct Walk {
        let file: String
        var values = 0
        var aliased = false
        var documents = 0
        var open: [Open] = []
        var anchors: [String: (value: SpecValue, identity: String?, extent: Extent)] = [:]
        var root: SpecValue?

        init(file: String) { self.file = file }

        mutating func take(_ event: yaml_event_t) throws {
            let here = SourceLocation(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw SpecError(Diagnostic("YAML: but found another document expected a single document in the stream", at: here))
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                var text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                // A byte order mark pasted before a value is not part of it (Yams, through Foundation, dropped it too).
                if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
                let quoted = scalar.style != YAML_PLAIN_SCALAR_STYLE && scalar.style != YAML_ANY_SCALAR_STYLE
                let value = !quoted && ["", "~", "null", "Null", "NULL"].contains(text)
                    ? SpecValue(.null, at: here) : SpecValue(.scalar(text, quoted: quoted), at: here)
                // As Yams tells keys apart: an explicit tag, else `str`.
                let tag = scalar.quoted_implicit == 1 ? YAMLTree.stringTag : (Self.name(scalar.tag) ?? YAMLTree.stringTag)
                let extent = Extent(values: 1, height: 1), identity = tag + "\u{0}" + text
                try count(extent, at: here, alias: nil)
                remember(Self.name(scalar.anchor), value, identity, extent)
                try place(value, identity: identity)
            case YAML_ALIAS_EVENT:
                guard let name = Self.name(event.data.alias.anchor), let anchored = anchors[name] else {
                    throw SpecError(Diagnostic("YAML: found undefined alias", at: here))
                }
                aliased = true
                try count(anchored.extent, at: here, alias: name)
                try place(anchored.value, identity: anchored.identity)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = isMapping ? Self.name(event.data.mapping_start.anchor) : Self.name(event.data.sequence_start.anchor)
                try count(Extent(values: 1, height: 1), at: here, alias: nil)
                open.append(Open(isMapping: isMapping, anchor: anchor, location: here, valuesBefore: values - 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return }
                if closed.isMapping { try Self.checkDuplicates(closed) }
                let value = SpecValue(closed.isMapping ? .map(closed.pairs) : .list(closed.items), at: closed.location)
                let extent = Extent(values: values - closed.valuesBefore, height: 1 + closed.deepestChild)
                if !open.isEmpty { open[open.count - 1].deepestChild = max(open[open.count - 1].deepestChild, extent.height) }
                remember(closed.anchor, value, nil, extent)
                try place(value, identity: nil)
            default:
                break
            }
        }

        /// Puts a finished value in the open collection (or makes it the root).
        /// `identity` is a scalar's (collections compare by value).
        private mutating func place(_ value: SpecValue, identity: String?) throws {
            guard !open.isEmpty else {
                root = value
                return
            }
            let top = open.count - 1
            guard open[top].isMapping else {
                open[top].items.append(value)
                return
            }
            guard let key = open[top].pendingKey else {
                open[top].pendingKey = (value, identity)
                return
            }
            open[top].pairs.append((key.value, value))
            open[top].pendingKey = nil
            let id = key.identity ?? "\u{1}" + key.value.plain.canonical
            let seen = open[top].keys[id]
            open[top].keys[id] = (seen?.location ?? key.value.location, (seen?.count ?? 0) + 1)
        }

        /// As Yams reports them: every duplicated key by name, at the first
        /// place of the one that sorts first.
        private static func checkDuplicates(_ mapping: Open) throws {
            let duplicated = mapping.keys.filter { $0.value.count > 1 }
            guard !duplicated.isEmpty else { return }
            let named = duplicated.map { (name: Self.keyName($0.key), location: $0.value.location) }.sorted { $0.name < $1.name }
            throw SpecError(Diagnostic("duplicate key `\(named.map(\.name).joined(separator: ", "))` in one mapping",
                                       at: named[0].location, hint: "each key may appear once; remove or rename the second one"))
        }

        /// A scalar key's text (after its tag); a collection key as Yams names one.
        private static func keyName(_ identity: String) -> String {
            guard let zero = identity.firstIndex(of: "\u{0}") else { return "<uncovertable>" }
            return String(identity[identity.index(after: zero)...])
        }

        /// Counts a value of `extent` placed under the open collections.
        private mutating func count(_ extent: Extent, at here: SourceLocation, alias: String?) throws {
            values += extent.values
            let depth = open.count + extent.height
            // A collection's own height is known at its end; `take` raises its parent then.
            if !open.isEmpty { open[open.count - 1].deepestChild = max(open[open.count - 1].deepestChild, extent.height) }
            if values > YAMLDocument.maxExpandedValues {
                if let alias {
                    throw SpecError(Diagnostic(
                        "alias `*\(alias)` expands the file past \(YAMLDocument.maxExpandedValues) values, the limit",
                        at: here, hint: "an anchor repeated through other anchors grows exponentially; write the repeated part out once"))
                }
                throw SpecError(Diagnostic(
                    "the file has more than \(YAMLDocument.maxExpandedValues) values" + (aliased ? " (aliases expanded)" : "") + ", the limit",
                    at: here, hint: "split it into smaller files"))
            }
            if depth > YAMLDocument.maxDepth {
                throw SpecError(Diagnostic(
                    "values nest more than \(YAMLDocument.maxDepth) deep here" + (alias.map { " (through `*\($0)`)" } ?? "") + ", the limit",
                    at: here, hint: "flatten the structure; no pipeline, schedule or catalog needs that depth"))
            }
        }

        private mutating func remember(_ anchor: String?, _ value: SpecValue, _ identity: String?, _ extent: Extent) {
            if let anchor { anchors[anchor] = (value, identity, extent) }
        }

        private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
    }
}
