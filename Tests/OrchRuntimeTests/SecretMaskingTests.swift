import Foundation
import Testing
import OrchSpec
import OrchStore
import OrchTestSupport
import OrchWarehouse
import OrchPostgres

/// A secret used by a failing task must appear nowhere orch writes: the
/// store, the run folder (logs, report.md, openlineage.jsonl, alerts.log),
/// the console, `orch report --json`.
@Suite("secrets are masked everywhere", .timeLimit(.minutes(2)))
struct SecretMaskingTests {
    @Test("the mask: longest first, URL passwords, names like *_TOKEN, short values left alone")
    func mask() {
        let mask = SecretMask.from(environment: ["DEPLOY_TOKEN": "s3cr3t-token", "HOME": "/root", "DB": "postgres://u:pa55word@h/db",
                                                 "PLAIN": "visible-value", "USED": "used-value", "X_KEY": "ab"],
                                   referenced: SecretMask.referencedVariables(in: "a {{ env.USED }} b {{env.NOPE}}"))
        #expect(mask.apply("token s3cr3t-token, db pa55word, used-value, visible-value, ab") == "token ***, db ***, ***, visible-value, ab")
        #expect(SecretMask.referencedVariables(in: "{{ env.A }}{{env.B}} {{ params.c }}") == ["A", "B"])
    }

    @Test("a failing command with {{ env.DEPLOY_TOKEN }}: the token is nowhere in the store, the run folder, the console or the report")
    func nowhere() async throws {
        let token = "tok-\(UUID().uuidString.prefix(12))"
        let url = try await TestDatabase.fresh()
        try await withHostileServer { base in
            try await withTemporaryDirectory { home in
                let vars = ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true), "DEPLOY_TOKEN": token]
                try """
                name: leaky
                on_failure:
                  webhook: "\(base)/hook?t={{ env.DEPLOY_TOKEN }}"
                  retries: 0
                tasks:
                  - id: deploy
                    kind: command
                    command: "test deploy:{{ env.DEPLOY_TOKEN }} = nothing"
                """.write(toFile: "\(home)/p.yml", atomically: true, encoding: .utf8)
                let run = try await runOrch(["run", "p.yml"], environment: vars, directory: home)
                #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
                #expect(run.stdout.contains("***"), "the failure is shown, masked: \(run.stdout)")
                let report = try await runOrch(["report", "--json"], environment: vars, directory: home)
                let status = try await runOrch(["status", "--json"], environment: vars, directory: home)
                for (name, text) in [("run stdout", run.stdout), ("run stderr", run.stderr), ("report", report.stdout + report.stderr),
                                     ("status", status.stdout)] {
                    #expect(!text.contains(token), "\(name) leaks the token: \(text)")
                }
                // Every file orch wrote under ORCH_HOME.
                let files = FileManager.default.enumerator(atPath: home)?.compactMap { $0 as? String } ?? []
                #expect(files.contains { $0.hasSuffix("report.md") } && files.contains { $0.hasSuffix("openlineage.jsonl") })
                for file in files where file != "p.yml" {
                    let text = (try? String(contentsOfFile: "\(home)/\(file)", encoding: .utf8)) ?? ""
                    #expect(!text.contains(token), "\(file) leaks the token")
                }
                // Every row orch stored.
                let dump = try await Store.with(url, migrate: false) { store in
                    try await store.warehouse.rows("""
                    SELECT string_agg(t::text, E'\\n') FROM (
                      SELECT to_jsonb(r)::text AS t FROM orch.runs r UNION ALL SELECT to_jsonb(x)::text FROM orch.task_runs x
                      UNION ALL SELECT to_jsonb(a)::text FROM orch.attempts a) all_rows
                    """)
                }
                let stored = try #require(dump.first?.first ?? nil)
                #expect(stored.contains("***"))
                #expect(!stored.contains(token), "the store leaks the token")
            }
        }
    }
}
