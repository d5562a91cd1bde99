import Foundation
import Testing
import OrchPostgres
import OrchTestSupport

/// What scripts rely on: `--version`, a mistyped command named as such, and
/// exit code 2 (the user's input) for a run id that matches nothing.
@Suite("the command line: version, mistyped commands, unknown run ids", .timeLimit(.minutes(2)))
struct CommandLineTests {
    @Test("orch --version prints the version and exits 0")
    func version() async throws {
        let r = try await runOrch(["--version"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("orch ") && r.stdout.contains("."), "\(r.stdout)")
    }

    @Test("a mistyped command exits 2 and suggests the nearest one; a word near nothing gets no guess")
    func mistypedCommand() async throws {
        let r = try await runOrch(["stauts"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("`stauts` is not an orch command") && r.stderr.contains("Did you mean `status`?"), "\(r.stderr)")
        let far = try await runOrch(["xyzzyplugh"])
        #expect(far.status == 2 && !far.stderr.contains("Did you mean"), "\(far.stderr)")
        #expect(try await runOrch(["help"]).status == 0, "help is still help")
    }

    @Test("an unknown run id is the user's input: exit 2 naming it, not 3")
    func unknownRunID() async throws {
        let url = try await TestDatabase.fresh()
        try await withTemporaryDirectory { home in
            let env = ["ORCH_HOME": home, "ORCH_DATABASE_URL": url.url(includePassword: true)]
            for command in [["report", "nosuchrun"], ["status", "nosuchrun"], ["retry", "nosuchrun"]] {
                let r = try await runOrch(command, environment: env, directory: home)
                #expect(r.status == 2, "\(command): \(r.stderr)")
                #expect(r.stderr.contains("nosuchrun"), "\(command): \(r.stderr)")
            }
        }
    }
}
