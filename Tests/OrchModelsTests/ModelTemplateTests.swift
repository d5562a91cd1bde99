import Foundation
import Testing
import OrchSpec
@testable import OrchModels

@Suite("Model templates")
struct ModelTemplateTests {
    func context(incremental: Bool = false, vars: [String: String] = [:]) -> RenderContext {
        RenderContext(this: "\"analytics\".\"me\"", isIncremental: incremental, vars: vars, modelNames: ["stg_a", "stg_b"]) { name in
            ["stg_a", "stg_b"].contains(name) ? "\"staging\".\"\(name)\"" : nil
        }
    }

    @Test("ref, source, this, var and config render; refs and sources are found")
    func render() throws {
        let t = try ModelTemplate("""
        {{ config(materialized='incremental', unique_key='id', tags=['a', 'b']) }}
        select * from {{ ref('stg_a') }} join {{ source('raw', 'sales') }} using (id)
        where d >= '{{ var("start", "2019-01-01") }}' -- {{ this }}
        """, file: "m.sql")
        #expect(t.refs == ["stg_a"])
        #expect(t.sources.map { "\($0.schema).\($0.table)" } == ["raw.sales"])
        #expect(t.config["materialized"] == .string("incremental"))
        #expect(t.config["tags"] == .list(["a", "b"]))
        let sql = try t.render(context()).sql
        #expect(sql.contains("from \"staging\".\"stg_a\" join \"raw\".\"sales\" using (id)"))
        #expect(sql.contains("d >= '2019-01-01' -- \"analytics\".\"me\""))
        #expect(try t.render(context(vars: ["start": "2020-01-01"])).sql.contains("'2020-01-01'"))
    }

    @Test("a column named like a keyword is quoted in test SQL (user unquoted would test current_user)")
    func keywordColumns() throws {
        #expect(quoteIdentifier("user") == "\"user\"")
        #expect(quoteIdentifier("order") == "\"order\"")
        #expect(quoteIdentifier("customer_id") == "customer_id")
        let test = DataTest(name: "not_null_t_user", model: "t", column: "user", kind: .notNull, severity: .error,
                            location: SourceLocation(file: "t.yml", line: 1, column: 1))
        let sql = try test.failingRowsSQL(relation: { _ in "public.t" }, vars: [:], modelNames: ["t"])
        #expect(sql == "SELECT * FROM public.t WHERE \"user\" IS NULL")
    }

    @Test("is_incremental chooses a branch")
    func incremental() throws {
        let t = try ModelTemplate("select 1 {% if is_incremental() %}where new{% else %}where all{% endif %} {% if not is_incremental() %}-- full{% endif %}", file: "m.sql")
        #expect(try t.render(context(incremental: true)).sql == "select 1 where new ")
        #expect(try t.render(context(incremental: false)).sql == "select 1 where all -- full")
    }

    @Test("errors carry file:line:col", arguments: [
        ("select {{ reff('a') }}", "unknown function `reff`", 1, "did you mean `ref`?"),
        ("select 1\n{% if is_incremental() %}\nx", "never closed with `{% endif %}`", 2, nil),
        ("select 1\n\n  {% endif %}", "without a matching", 3, nil),
        ("{{ ref('a')", "never closed with `}}`", 1, nil),
        ("{% for x in y %}", "unknown block", 1, nil),
        ("{% if var('x') %}{% endif %}", "unsupported condition", 1, nil),
        ("{{ ref(a) }}", "expected a quoted string", 1, nil),
        ("{{ source('raw') }}", "takes 2", 1, nil),
    ] as [(String, String, Int, String?)])
    func errors(text: String, message: String, line: Int, hint: String?) {
        do {
            _ = try ModelTemplate(text, file: "models/m.sql")
            Issue.record("expected an error for \(text)")
        } catch let e as SpecError {
            let d = e.diagnostics[0]
            #expect(d.message.contains(message), "\(d.message)")
            #expect(d.location?.file == "models/m.sql")
            #expect(d.location?.line == line)
            if let hint { #expect(d.hint == hint) }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("rendering an unknown ref or a var without value fails with its place")
    func renderErrors() throws {
        let t = try ModelTemplate("select\n{{ ref('stg_c') }}", file: "m.sql")
        #expect(throws: SpecError.self) { try t.render(context()) }
        let v = try ModelTemplate("select {{ var('missing') }}", file: "m.sql")
        #expect(throws: SpecError.self) { try v.render(context()) }
    }

    @Test("compiled positions map back to model-file lines")
    func lineMap() throws {
        let t = try ModelTemplate("{{ config(materialized='table') }}\nselect a,\n  {{ ref('stg_a') }}.b\nfrom {{ ref('stg_b') }}\nwhere oops", file: "m.sql")
        let compiled = try t.render(context())
        let position = compiled.sql.distance(from: compiled.sql.startIndex, to: compiled.sql.range(of: "oops")!.lowerBound) + 1
        #expect(compiled.sourceLine(ofPosition: position) == 5)
        let b = compiled.sql.distance(from: compiled.sql.startIndex, to: compiled.sql.range(of: ".b")!.lowerBound) + 1
        #expect(compiled.sourceLine(ofPosition: b) == 3)
    }
}

@Suite("Model projects and data tests")
struct ModelProjectTests {
    func write(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orch-models-\(UUID().uuidString.prefix(8))").path
        for (name, text) in files {
            let path = "\(dir)/\(name)"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test("models, YAML config and tests, singular tests")
    func load() throws {
        let dir = try write([
            "staging/stg_a.sql": "select 1 as id",
            "fct.sql": "{{ config(materialized='table') }} select * from {{ ref('stg_a') }}",
            "schema.yml": """
            models:
              - name: stg_a
                config: { schema: staging }
                columns:
                  - name: id
                    tests: [unique, not_null, { accepted_values: { values: [1, 2], severity: warn } }]
              - name: fct
                columns:
                  - name: id
                    tests:
                      - relationships: { to: stg_a, field: id }
                      - accepted_range: { min: 0, max: 10, inclusive: false }
                tests:
                  - expression: "id > 0"
            """,
            "tests/no_negative.sql": "select * from {{ ref('fct') }} where id < 0",
        ])
        let project = try ModelProject.load(directory: dir, defaults: ModelConfig())
        #expect(project.models.map(\.name).sorted() == ["fct", "stg_a"])
        #expect(project.model("stg_a")?.config.schema == "staging")
        #expect(project.model("fct")?.config.materialized == .table)
        #expect(project.model("fct")?.config.schema == "analytics")
        #expect(project.tests.map(\.name) == ["unique_stg_a_id", "not_null_stg_a_id", "accepted_values_stg_a_id",
                                              "relationships_fct_id", "accepted_range_fct_id", "expression_fct", "no_negative"])
        #expect(project.tests[2].severity == .warn)
        #expect(project.tests[3].models == ["fct", "stg_a"])
        let relation: @Sendable (String) -> String? = { "\"s\".\"\($0)\"" }
        #expect(try project.tests[4].failingRowsSQL(relation: relation, vars: [:], modelNames: []) ==
                "SELECT * FROM \"s\".\"fct\" WHERE id <= 0 OR id >= 10")
        #expect(try project.tests[6].failingRowsSQL(relation: relation, vars: [:], modelNames: []) ==
                "select * from \"s\".\"fct\" where id < 0")
    }

    @Test("mistakes in the models folder are reported with their place", arguments: [
        (["a.sql": "select * from {{ ref('b') }}"], "refs `b`"),
        (["a.sql": "select 1", "s.yml": "models:\n  - name: a\n    colums: []\n"], "did you mean `columns`?"),
        (["a.sql": "select 1", "s.yml": "models:\n  - name: aa\n"], "there is no aa.sql"),
        (["a.sql": "select 1", "s.yml": "models:\n  - name: a\n    columns:\n      - name: x\n        tests: [uniqe]\n"], "did you mean `unique`?"),
        (["a.sql": "{{ config(materialized='incremental') }} select 1"], "needs a `unique_key`"),
        (["a.sql": "{{ config(materialised='table') }} select 1"], "not a setting"),
    ])
    func mistakes(files: [String: String], fragment: String) throws {
        let dir = try write(files)
        do {
            _ = try ModelProject.load(directory: dir, defaults: ModelConfig())
            Issue.record("expected an error")
        } catch let e as SpecError {
            #expect(e.description.contains(fragment), "\(e.description)")
        }
    }
}
