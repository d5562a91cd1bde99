import Foundation
import Testing
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// The pipelines in `pipelines/`, run as shipped.
@Suite("shipped pipelines", .timeLimit(.minutes(2)))
struct ShippedPipelinesTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("every shipped pipeline validates")
    func validate() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(Self.repo)/pipelines")
            .filter { $0.hasSuffix(".yml") }.map { "\(Self.repo)/pipelines/\($0)" }
        #expect(files.count >= 3)
        let r = try await runOrch(["validate"] + files)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test("marketing.yml loads the generated files with exact counts, twice")
    func marketing() async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let vars = ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)]
            #expect(try await runOrch(["sample-data", "\(dir)/data"]).status == 0)
            for _ in 1...2 {
                let r = try await runOrch(["run", "\(Self.repo)/pipelines/marketing.yml", "--param", "data_dir=\(dir)/data"], environment: vars)
                #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
                try await Store.with(db) { store in
                    let counts = try await store.warehouse.rows("""
                    SELECT (SELECT count(*) FROM raw.customers), (SELECT count(*) FROM raw.online_sales),
                           (SELECT count(*) FROM raw.marketing_spend), (SELECT count(*) FROM raw.discount_coupon),
                           (SELECT count(*) FROM raw.tax_amount)
                    """)
                    #expect(counts == [["1468", "52924", "365", "204", "20"]])
                }
            }
        }
    }
}
