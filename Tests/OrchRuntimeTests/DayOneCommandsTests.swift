import Foundation
import Testing
import OrchPostgres
import OrchStore
import OrchWarehouse
import OrchTestSupport

/// dbt's and Airflow's day-one commands through the real binary: `orch ls`,
/// `orch compile`, `orch run --dry-run`, `orch backfill --dry-run`.
@Suite("ls, compile and dry runs", .timeLimit(.minutes(2)))
struct DayOneCommandsTests {
    static let repo = ShippedPipelinesTests.repo
    static let marketing = "\(repo)/pipelines/marketing.yml"
    /// Nothing listens here: a command that needed the database would fail.
    static let noDatabase = "postgres://orch@127.0.0.1:1/none"

    func offline(_ args: [String], home: String, directory: String? = nil) async throws -> ProcessResult {
        try await runOrch(args, environment: ["ORCH_HOME": home, "ORCH_DATABASE_URL": Self.noDatabase], directory: directory ?? home)
    }

    /// The nodes of an `orch ls --json` document (JSON contract: a top-level object with its schema version).
    func json(_ r: ProcessResult) throws -> [[String: Any]] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)\(r.stderr)")
        #expect(document["schema_version"] as? Int == 1)
        return try #require(document["nodes"] as? [[String: Any]])
    }

    @Test("orch ls lists nodes with kind, tags, depends_on and pipeline; a model brings its tests; models selects the task's nodes")
    func ls() async throws {
        try await withTemporaryDirectory { home in
            let model = try json(try await offline(["ls", Self.marketing, "--select", "fct_sales", "--json"], home: home))
            let fct = try #require(model.first)
            #expect(fct["id"] as? String == "fct_sales" && fct["kind"] as? String == "model" && fct["pipeline"] as? String == "marketing")
            #expect((fct["depends_on"] as? [String])?.contains("stg_online_sales") == true, "\(fct)")
            #expect((fct["tags"] as? [String])?.contains("models") == true && fct["task"] as? String == "models")
            let tests = model.dropFirst()
            #expect(tests.count >= 10 && tests.allSatisfy { $0["kind"] as? String == "test" }, "\(model.map { $0["id"] ?? "" })")
            #expect(tests.allSatisfy { ($0["depends_on"] as? [String])?.contains("fct_sales") == true })

            let models = try json(try await offline(["ls", Self.marketing, "--select", "models", "--no-tests", "--json"], home: home))
            #expect(models.count == 10 && models.allSatisfy { $0["kind"] as? String == "model" }, "\(models.map { $0["id"] ?? "" })")
            let excluded = try json(try await offline(["ls", Self.marketing, "--select", "models", "--exclude", "tag:test", "--json"], home: home))
            #expect(excluded.count == 10)

            // Every shipped pipeline by default, each node with its pipeline; a text table too.
            let all = try json(try await offline(["ls", "--json"], home: home, directory: Self.repo))
            #expect(Set(all.compactMap { $0["pipeline"] as? String }).isSuperset(of: ["marketing", "market_feeds", "hello"]))
            let text = try await offline(["ls", "--select", "extract_sales"], home: home, directory: Self.repo)
            #expect(text.status == 0 && text.stdout.contains("extract_sales") && text.stdout.contains("csv_extract"), "\(text.stdout)\(text.stderr)")
            let typo = try await offline(["ls", "--select", "fct_sale"], home: home, directory: Self.repo)
            #expect(typo.status == 2 && typo.stderr.contains("did you mean `fct_sales`?"), "\(typo.stderr)")
        }
    }

    @Test("orch compile writes each selected model's and test's SQL under ORCH_HOME without a database")
    func compile() async throws {
        try await withTemporaryDirectory { home in
            let r = try await offline(["compile", Self.marketing, "--select", "fct_sales"], home: home)
            #expect(r.status == 0, "\(r.stderr)")
            let folder = "\(home)/marketing/compiled"
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            #expect(files.contains("fct_sales.sql") && files.count >= 11, "the model and its tests: \(files)")
            #expect(r.stdout.split(separator: "\n").count == files.count, "one path a line: \(r.stdout)")
            let sql = try String(contentsOfFile: "\(folder)/fct_sales.sql", encoding: .utf8)
            #expect(sql.contains("\"staging\".\"stg_online_sales\"") && !sql.contains("{{"), "\(sql)")
            #expect(!FileManager.default.fileExists(atPath: "\(home)/postgres"), "no database was started")

            let merged = try await offline(["compile", Self.marketing, "--select", "fct_sales", "--incremental"], home: home)
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(try String(contentsOfFile: "\(folder)/fct_sales.sql", encoding: .utf8) != sql, "is_incremental() changes the SQL")

            let bad = try await offline(["compile", Self.marketing, "--select", ""], home: home)
            #expect(bad.status == 2, "\(bad.stderr)")
        }
    }

    @Test("orch run --dry-run prints the tasks in run order and touches nothing; a bad selection is still exit 2")
    func runDryRun() async throws {
        try await withTemporaryDirectory { home in
            let r = try await offline(["run", Self.marketing, "--dry-run", "--select", "+fct_sales", "--param", "data_dir=/x"], home: home)
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.contains("nothing is run or recorded") == true, "\(r.stdout)")
            let order = lines.dropFirst().compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
            let (extract, staged, fct) = (order.firstIndex(of: "extract_sales"), order.firstIndex(of: "stg_online_sales"), order.firstIndex(of: "fct_sales"))
            #expect(extract != nil && staged != nil && fct != nil, "\(r.stdout)")
            if let extract, let staged, let fct { #expect(extract < staged && staged < fct, "run order: \(order)") }
            #expect(r.stdout.contains("data_dir=/x"))
            #expect(!FileManager.default.fileExists(atPath: "\(home)/marketing"), "no run folder")
            #expect(try await offline(["run", Self.marketing, "--dry-run", "--select", ""], home: home).status == 2)
            #expect(try await offline(["run", Self.marketing, "--dry-run", "--param", "nope=1"], home: home).status == 2)
        }
    }

    @Test("orch backfill --dry-run lists the logical times and records no run")
    func backfillDryRun() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/schedules", withIntermediateDirectories: true)
            try "name: p\ntasks:\n  - { id: a, kind: command, command: \"echo a\" }\n".write(toFile: "\(dir)/p.yml", atomically: true, encoding: .utf8)
            try "pipeline: ../p.yml\ncron: \"0 * * * *\"\n".write(toFile: "\(dir)/schedules/hourly.yml", atomically: true, encoding: .utf8)
            let env = ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)]
            let r = try await runOrch(["backfill", "hourly", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T03:00:00Z", "--dry-run", "--utc"],
                                      environment: env, directory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("4 logical time(s)") && r.stdout.contains("2026-01-01 03:00:00 UTC"), "\(r.stdout)")
            let runs = try await Store.with(db) { try await $0.warehouse.rows("SELECT count(*) FROM orch.runs") }
            #expect(runs == [["0"]])
        }
    }
}
