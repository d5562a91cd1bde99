import Testing
@testable import OrchSpec

@Suite("Pipeline parsing and validation")
struct PipelineParserTests {
    func errors(_ yaml: String) -> [Diagnostic] {
        do {
            _ = try PipelineParser.parse(yaml, file: "p.yml")
            return []
        } catch let e as SpecError {
            return e.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test("a valid pipeline keeps params, defaults, tasks and kind fields")
    func validPipeline() throws {
        let spec = try PipelineParser.parse("""
        name: demo
        description: a demo
        params:
          data_dir: data
          limit: 10
        defaults: { retries: 2, retry_delay: 2s, backoff: fixed, max_retry_delay: 1m, jitter: false, timeout: 10m }
        tasks:
          - id: a
            kind: command
            command: echo hi
          - id: b
            kind: sql
            after: [a]
            reads: raw.x
            writes: [stg.x]
            tags: [nightly]
            retries: 0
            timeout: 30s
            sql: select 1
        """, file: "pipelines/demo.yml")
        #expect(spec.name == "demo")
        #expect(spec.directory == "pipelines")
        #expect(spec.params.map(\.name) == ["data_dir", "limit"])
        #expect(spec.params[1].value == "10")
        let a = try #require(spec.task("a"))
        #expect(a.retry.retries == 2)
        #expect(a.retry.backoff == .fixed)
        #expect(a.retry.delay == .seconds(2))
        #expect(a.retry.maxDelay == .seconds(60))
        #expect(a.retry.jitter == false)
        #expect(a.timeout == .seconds(600))
        let b = try #require(spec.task("b"))
        #expect(b.retry.retries == 0)
        #expect(b.timeout == .seconds(30))
        #expect(b.after == ["a"])
        #expect(b.reads == ["raw.x"])
        #expect(b.writes == ["stg.x"])
        #expect(b.tags == ["nightly"])
        guard case let .map(pairs) = b.options.kind else { Issue.record("options not a map"); return }
        #expect(pairs.map { $0.key.scalar } == ["sql"])
        #expect(spec.specHash.count == 16)
    }

    @Test("a misspelt key is reported at its line and column with the nearest key")
    func unknownKeySuggests() throws {
        // Common keys are checked by the task kind's reader; here the top level and defaults.
        let diagnostics = errors("""
        name: demo
        defaults:
          retires: 3
        tasks:
          - id: a
            kind: command
            command: echo
        """)
        let d = try #require(diagnostics.first)
        #expect(d.location == SourceLocation(file: "p.yml", line: 3, column: 3))
        #expect(d.message.contains("unknown key `retires`"))
        #expect(d.hint == "did you mean `retries`?")
        #expect(d.description.hasPrefix("p.yml:3:3: error:"))
    }

    @Test("a top-level typo suggests the right key")
    func topLevelTypo() throws {
        let d = try #require(errors("name: x\ntaks:\n  - id: a\n    kind: command\n").first { $0.message.contains("taks") })
        #expect(d.hint == "did you mean `tasks`?")
        #expect(d.location?.line == 2)
    }

    @Test("wrong types name the key, the place and what was found",
          arguments: [
            ("retries: many", "must be a whole number", 5),
            ("retries: -1", "must be at least 0", 5),
            ("timeout: soon", "must be a duration", 5),
            ("backoff: linear", "`fixed` or `exponential`", 5),
            ("after: {x: 1}", "must be a list", 5),
            ("jitter: maybe", "true or false", 5),
          ])
    func wrongTypes(line: String, message: String, lineNumber: Int) throws {
        let diagnostics = errors("name: x\ntasks:\n  - id: a\n    kind: command\n    \(line)\n")
        let d = try #require(diagnostics.first)
        #expect(d.message.contains(message), "\(d.message)")
        #expect(d.location?.line == lineNumber)
    }

    @Test("duplicate ids and missing dependencies are errors with hints")
    func references() throws {
        let diagnostics = errors("""
        name: x
        tasks:
          - id: load
            kind: command
          - id: load
            kind: command
          - id: build
            kind: command
            after: [lod]
        """)
        #expect(diagnostics.contains { $0.message.contains("duplicate task id `load`") && $0.location?.line == 5 })
        let missing = try #require(diagnostics.first { $0.message.contains("`lod`") })
        #expect(missing.hint == "did you mean `load`?")
        #expect(missing.location?.line == 9)
    }

    @Test("templates must name declared params")
    func templateParams() throws {
        let diagnostics = errors("""
        name: x
        params: { data_dir: data }
        tasks:
          - id: a
            kind: command
            command: "ls {{ params.data_dri }}"
        """)
        let d = try #require(diagnostics.first)
        #expect(d.message.contains("params.data_dri"))
        #expect(d.hint == "did you mean `params.data_dir`?")
        #expect(d.location?.line == 6)
    }

    @Test("missing name and tasks, non-mapping file, empty file")
    func structure() throws {
        #expect(errors("tasks: []\n").contains { $0.message.contains("missing `name`") })
        #expect(errors("name: x\n").contains { $0.message.contains("no `tasks`") })
        #expect(errors("- a\n- b\n").contains { $0.message.contains("must be a mapping") })
        #expect(errors("").contains { $0.message.contains("empty") })
        #expect(errors("name: x\ntasks: []\n").contains { $0.message.contains("`tasks` is empty") })
    }

    @Test("YAML syntax errors carry the parser's position")
    func syntaxError() throws {
        let d = try #require(errors("name: x\ntasks:\n  - id: a\n   kind: [unclosed\n").first)
        #expect(d.message.hasPrefix("YAML"))
        #expect((d.location?.line ?? 0) >= 3)
    }

    @Test("duplicate keys in one mapping are rejected")
    func duplicateKeys() throws {
        let diagnostics = errors("name: x\nname: y\ntasks:\n  - id: a\n    kind: command\n")
        #expect(diagnostics.contains { $0.message.contains("duplicate key") })
    }

    @Test("the spec hash ignores comments and spacing but not content")
    func specHash() throws {
        let a = try PipelineParser.parse("name: x\ntasks:\n  - {id: a, kind: command, command: echo}\n", file: "a.yml")
        let b = try PipelineParser.parse("# note\nname:   x\ntasks:\n  - id: a\n    kind: command\n    command: echo\n", file: "b.yml")
        let c = try PipelineParser.parse("name: x\ntasks:\n  - {id: a, kind: command, command: echo 2}\n", file: "c.yml")
        #expect(a.specHash == b.specHash)
        #expect(a.specHash != c.specHash)
    }
}
