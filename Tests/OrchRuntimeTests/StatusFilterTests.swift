import Foundation
import Testing
import OrchTestSupport

/// `orch status` filters and its note, and the time rule, through the real
/// binary: local time with its offset (`TZ=Asia/Tokyo` → `+09:00`), `--utc`,
/// run ids that say UTC.
extension JSONContractTests {
    @Test("status --state/--since/--trigger filter in the store, LOGICAL TIME tells backfilled runs apart, a note when --limit cuts")
    func statusFilters() async throws {
        try await withEnv { env in
            let backfill = try await env.orch(["backfill", "hourly", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T01:00:00Z"])
            #expect(backfill.status == 0, "\(backfill.stdout)\(backfill.stderr)")
            #expect(try await env.orch(["run", "broken.yml"]).status == 1)

            func ids(_ args: [String]) async throws -> [String] {
                try await env.json(Shape.RunList.self, ["status", "--json"] + args).runs.map(\.runId)
            }
            #expect(try await ids([]).count == 3)
            #expect(try await ids(["--trigger", "backfill"]).count == 2)
            #expect(try await ids(["--trigger", "backfill:hourly"]).count == 2)
            #expect(try await ids(["--trigger", "schedule"]).isEmpty)
            #expect(try await ids(["--trigger", "manual"]).count == 1)
            #expect(try await ids(["--state", "failed"]) == ids(["--trigger", "manual"]))
            #expect(try await ids(["--state", "succeeded", "--trigger", "manual"]).isEmpty)
            #expect(try await ids(["--since", "1h"]).count == 3)
            #expect(try await ids(["--since", "2999-01-01"]).isEmpty)
            #expect(try await ids(["--since", "2026-01-01T00:00:00Z"]).count == 3)
            let page = try await env.json(Shape.RunList.self, ["status", "--json", "--limit", "1"])
            #expect(page.runs.count == 1 && page.total == 3, "total counts every matching run")

            let text = try await runOrch(["status", "--trigger", "backfill", "--utc"], environment: env.vars, directory: env.dir)
            #expect(text.stdout.contains("LOGICAL TIME"), "\(text.stdout)")
            #expect(text.stdout.contains("2026-01-01 00:00:00 UTC") && text.stdout.contains("2026-01-01 01:00:00 UTC"), "\(text.stdout)")
            let cut = try await env.orch(["status", "--limit", "2"])
            #expect(cut.stdout.hasSuffix("showing 2 of 3 runs (--limit N for more)\n"), "\(cut.stdout)")
            let all = try await env.orch(["status"])
            #expect(!all.stdout.contains("showing"))
            #expect(try await env.orch(["status", "--state", "cancelled"]).stdout.contains("no runs match"))

            for bad in [["--since", "yesterday"], ["--since", "90"], ["--trigger", "cron"], ["--state", "done"]] {
                let r = try await env.orch(["status"] + bad)
                #expect(r.status == 2, "\(bad): \(r.stderr)")
                #expect(r.stderr.contains(bad[1]) || r.stderr.contains(bad[0]), "\(bad): \(r.stderr)")
            }
        }
    }

    @Test("human output is local time with its offset (TZ=Asia/Tokyo: +09:00), --utc is UTC, JSON is UTC; run ids say UTC")
    func timeRule() async throws {
        try await withEnv { env in
            var tokyo = env.vars
            tokyo["TZ"] = "Asia/Tokyo"
            let run = try await runOrch(["run", "tiny.yml"], environment: tokyo, directory: env.dir)
            #expect(run.status == 0, "\(run.stderr)")
            let id = try #require(run.stdout.firstMatch(of: /run (\d{8}T\d{6}Z-[0-9a-f]{6}) of tiny/)?.1, "\(run.stdout)")
            #expect(run.stdout.contains("(+09:00) run \(id)"), "the first progress line names the offset: \(run.stdout)")

            let local = try await runOrch(["status"], environment: tokyo, directory: env.dir)
            #expect(local.stdout.contains("+09:00") && !local.stdout.contains(" UTC"), "\(local.stdout)")
            let utc = try await runOrch(["status", "--utc"], environment: tokyo, directory: env.dir)
            #expect(utc.stdout.contains(" UTC") && !utc.stdout.contains("+09:00"), "\(utc.stdout)")
            let detail = try await runOrch(["status", String(id)], environment: tokyo, directory: env.dir)
            #expect(detail.stdout.contains("+09:00"), "\(detail.stdout)")
            let json = try await runOrch(["status", "--json"], environment: tokyo, directory: env.dir)
            #expect(!json.stdout.contains("+09:00") && json.stdout.contains("Z\""), "JSON is UTC")

            // Old ids stay readable: a prefix of the new form resolves, and so does the date part.
            #expect(try await runOrch(["status", String(id.prefix(10))], environment: tokyo, directory: env.dir).status == 0)

            let cron = try await runOrch(["cron", "next", "30 2 * * *", "--tz", "Europe/Berlin", "--from", "2026-12-01T00:00:00Z", "-n", "1"])
            #expect(cron.stdout.contains("Tue 2026-12-01 02:30:00 +01:00  (2026-12-01 01:30:00 UTC)"), "not GMT+1: \(cron.stdout)")
        }
    }
}
