import Foundation
import Testing
import OrchRuntime
import OrchExecution
import OrchStandIn
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// http_poll through the whole runner, against the stand-in on 127.0.0.1
/// and a real PostgreSQL.
@Suite("http_poll against the stand-in API", .timeLimit(.minutes(2)))
struct HTTPPollTests {
    static func pipeline(retries: Int, path: String = "/api/v3/simple/price") -> String {
        """
        name: feeds
        params: { base: http://invalid }
        defaults: { retries: \(retries), retry_delay: 10ms, max_retry_delay: 50ms }
        tasks:
          - id: price
            kind: http_poll
            url: "{{ params.base }}\(path)"
            query: { ids: bitcoin, vs_currencies: usd, include_24hr_change: "true" }
            table: raw.prices
            columns:
              id: { computed: uuid }
              price: { path: $.bitcoin.usd, type: numeric }
              change_24h: { path: $.bitcoin.usd_24h_change, type: numeric }
              event_timestamp: { computed: event_timestamp }
          - id: news
            kind: http_poll
            url: "{{ params.base }}/v2/top-headlines"
            query: { category: business, pageSize: "5", apiKey: "{{ env.TEST_NEWS_KEY }}" }
            table: raw.news
            rows: "$.articles[*]"
            unique_key: url
            columns:
              url: $.url
              headline: $.title
              source_name: $.source.name
              published_at: { path: $.publishedAt, type: timestamp }
        """
    }

    struct Run {
        var status: RunStatus
        var detail: StoredRunDetail
    }

    func run(_ yaml: String, base: String, url: DatabaseURL, select: [String] = [], env: [String: String] = [:]) async throws -> Run {
        try await withTemporaryDirectory { dir in
            try yaml.write(toFile: "\(dir)/feeds.yml", atomically: true, encoding: .utf8)
            var variables = ProcessInfo.processInfo.environment
            variables["ORCH_HOME"] = dir
            variables["TEST_NEWS_KEY"] = "k-secret-42"
            for (k, v) in env { variables[k] = v }
            let environment = OrchEnvironment(variables: variables, currentDirectory: dir)
            var request = RunRequest(pipelinePath: "\(dir)/feeds.yml")
            request.params = ["base": base]
            request.select = select
            let finalRequest = request
            return try await Store.with(url) { store in
                let outcome = try await PipelineRunner(environment: environment).run(finalRequest, store: store)
                let detail = try #require(try await store.runs.detail(outcome.info.id))
                return Run(status: outcome.status, detail: detail)
            }
        }
    }

    @Test("at a 50 % error rate the poll succeeds within its retry budget")
    func halfErrors() async throws {
        let db = try await TestDatabase.fresh()
        var faults = Faults()
        faults.errorRate = 0.5
        try await withStandIn(faults: faults, seed: 3) { base, _ in
            let r = try await run(Self.pipeline(retries: 8), base: base, url: db, select: ["price"])
            #expect(r.status == .succeeded)
            let attempts = r.detail.tasks[0].attempts
            #expect(attempts.last?.status == .succeeded)
            #expect(attempts.dropLast().allSatisfy { $0.errorClass == .http(status: 503) })
        }
    }

    @Test("at 100 % it fails after exactly its retries")
    func allErrors() async throws {
        let db = try await TestDatabase.fresh()
        var faults = Faults()
        faults.errorRate = 1
        try await withStandIn(faults: faults) { base, feed in
            let r = try await run(Self.pipeline(retries: 3), base: base, url: db, select: ["price"])
            #expect(r.status == .failed)
            #expect(r.detail.tasks[0].attempts.count == 4)
            #expect(await feed.requests == 4)
            #expect(r.detail.tasks[0].message?.contains("HTTP 503") == true)
        }
    }

    @Test("a 404 fails on the first attempt with the status in the error")
    func notFound() async throws {
        let db = try await TestDatabase.fresh()
        try await withStandIn { base, _ in
            let r = try await run(Self.pipeline(retries: 3, path: "/api/v3/nope"), base: base, url: db, select: ["price"])
            #expect(r.status == .failed)
            #expect(r.detail.tasks[0].attempts.count == 1)
            #expect(r.detail.tasks[0].attempts[0].errorClass == .http(status: 404))
            #expect(r.detail.tasks[0].attempts[0].error?.contains("HTTP 404") == true)
        }
    }

    @Test("429 waits at least Retry-After; malformed JSON is retried")
    func rateLimitAndMalformed() async throws {
        let db = try await TestDatabase.fresh()
        var faults = Faults()
        faults.rateLimitRate = 1
        faults.retryAfterSeconds = 1
        faults.budget = 1
        try await withStandIn(faults: faults) { base, feed in
            let started = ContinuousClock.now
            let r = try await run(Self.pipeline(retries: 2), base: base, url: db, select: ["price"])
            #expect(r.status == .succeeded)
            #expect(r.detail.tasks[0].attempts.first?.errorClass == .http(status: 429))
            #expect(ContinuousClock.now - started >= .seconds(1), "waited for Retry-After, not the 10ms backoff")
        }
        var malformed = Faults()
        malformed.malformedRate = 1
        try await withStandIn(faults: malformed) { base, _ in
            let r = try await run(Self.pipeline(retries: 1), base: base, url: db, select: ["price"])
            #expect(r.detail.tasks[0].attempts.map(\.errorClass) == [.badJSON, .badJSON])
        }
    }

    @Test("the same article polled twice is stored once; the API key never reaches logs or the store")
    func dedupeAndSecrets() async throws {
        let db = try await TestDatabase.fresh()
        try await withStandIn { base, _ in
            let first = try await run(Self.pipeline(retries: 0), base: base, url: db, select: ["news"])
            let second = try await run(Self.pipeline(retries: 0), base: base, url: db, select: ["news"])
            #expect(first.status == .succeeded && second.status == .succeeded)
            try await Store.with(db) { store in
                let counts = try await store.warehouse.rows("SELECT count(*), count(DISTINCT url) FROM raw.news")
                #expect(counts[0][0] == counts[0][1])
                #expect(Int(counts[0][0] ?? "0")! < 10, "two polls of 5 overlap")
                let leaks = try await store.warehouse.rows("""
                SELECT count(*) FROM orch.attempts WHERE coalesce(log_tail, '') LIKE '%k-secret-42%'
                   OR coalesce(error, '') LIKE '%k-secret-42%' OR coalesce(output::text, '') LIKE '%k-secret-42%'
                """)
                #expect(leaks == [["0"]])
            }
            for a in first.detail.tasks[0].attempts {
                #expect(a.logTail?.contains("apiKey=***") == true, "the request is logged, its key masked")
            }
            // Without the key the stand-in answers 401, like NewsAPI: not retried, the status in the error.
            let unauthorized = try await run(Self.pipeline(retries: 3), base: base, url: db, select: ["news"], env: ["TEST_NEWS_KEY": ""])
            #expect(unauthorized.detail.tasks[0].attempts.count == 1)
            #expect(unauthorized.detail.tasks[0].attempts[0].errorClass == .http(status: 401))
        }
    }
}
