internal import CYaml

/// Refuses YAML that would expand past `YAMLDocument`'s limits, before Yams
/// builds its node tree. It has to run first: Yams shares an anchored node
/// at every alias (cheap), but hashes mapping keys to find duplicates, and an
/// aliased key is hashed fully expanded, so a "billion laughs" key would spin
/// inside Yams itself; and turning shared nodes into `SpecValue`s expands them.
///
/// It walks libyaml's event stream once, never expanding anything: every
/// anchor remembers how many values it expands to and how deep it is, so an
/// alias costs one addition. It stops at the first event past a limit.
/// Syntax errors are left to Yams, which reports them with more context.
enum YAMLExpansionCheck {
    /// What an anchored value expands to.
    private struct Extent {
        var values: Int
        /// 1 for a scalar, 1 + the deepest child for a collection.
        var height: Int
    }

    /// A collection whose end has not been seen yet.
    private struct Open {
        var anchor: String?
        /// Values counted before this collection started.
        var valuesBefore: Int
        var deepestChild = 0
    }

    static func check(_ text: String, file: String) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        let bytes = Array(text.utf8)
        // libyaml asserts on a null input; an empty file has nothing to expand anyway.
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var walk = Walk(file: file)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                try walk.take(event)
            }
        }
    }

    /// The running count: values so far (aliases expanded, arithmetically),
    /// the open collections, and what each anchor expands to.
    private struct Walk {
        let file: String
        var values = 0
        var aliased = false
        var open: [Open] = []
        var anchors: [String: Extent] = [:]

        init(file: String) { self.file = file }

        mutating func take(_ event: yaml_event_t) throws {
            let here = SourceLocation(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_SCALAR_EVENT:
                try add(Extent(values: 1, height: 1), at: here, alias: nil)
                remember(Self.name(event.data.scalar.anchor), Extent(values: 1, height: 1))
            case YAML_ALIAS_EVENT:
                // An unknown alias is Yams' error to report.
                guard let name = Self.name(event.data.alias.anchor), let extent = anchors[name] else { return }
                aliased = true
                try add(extent, at: here, alias: name)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let anchor = event.type == YAML_SEQUENCE_START_EVENT
                    ? Self.name(event.data.sequence_start.anchor) : Self.name(event.data.mapping_start.anchor)
                try add(Extent(values: 1, height: 1), at: here, alias: nil)
                open.append(Open(anchor: anchor, valuesBefore: values - 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return }
                let extent = Extent(values: values - closed.valuesBefore, height: 1 + closed.deepestChild)
                if !open.isEmpty { open[open.count - 1].deepestChild = max(open[open.count - 1].deepestChild, extent.height) }
                remember(closed.anchor, extent)
            default:
                break
            }
        }

        /// Counts a value of `extent` placed under the open collections.
        private mutating func add(_ extent: Extent, at here: SourceLocation, alias: String?) throws {
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

        private mutating func remember(_ anchor: String?, _ extent: Extent) {
            if let anchor { anchors[anchor] = extent }
        }

        private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
    }
}
