import Testing
@testable import OrchSpec

@Suite("Templates, durations, retry delays")
struct TemplateAndDurationTests {
    let here = SourceLocation(file: "p.yml", line: 4, column: 9)
    let context = TemplateContext(params: ["dir": "data", "n": "3"], env: ["HOME": "/root"],
                                  run: ["id": "r1", "logical_time": "2026-01-01T00:00:00Z"],
                                  pipeline: ["name": "demo", "dir": "pipelines"])

    @Test("substitutions", arguments: [
        ("{{ params.dir }}/x.csv", "data/x.csv"),
        ("{{params.n}}{{ params.n }}", "33"),
        ("run {{ run.id }} at {{ run.logical_time }}", "run r1 at 2026-01-01T00:00:00Z"),
        ("{{ env.HOME }}", "/root"),
        ("{{ pipeline.name }}", "demo"),
        ("no braces", "no braces"),
        ("a { b } c", "a { b } c"),
    ])
    func render(input: String, expected: String) throws {
        #expect(try Template.render(input, context: context, at: here) == expected)
    }

    @Test("errors name the place and the fix", arguments: [
        ("{{ params.nope }}", "unknown parameter"),
        ("{{ env.NOT_SET_ANYWHERE }}", "is not set"),
        ("{{ run.other }}", "unknown template name"),
        ("{{ whatever }}", "unknown template name"),
        ("{{ params.dir ", "without a closing"),
    ])
    func renderErrors(input: String, fragment: String) {
        do {
            _ = try Template.render(input, context: context, at: here)
            Issue.record("expected an error for \(input)")
        } catch let d as Diagnostic {
            #expect(d.message.contains(fragment), "\(d.message)")
            #expect(d.location == here)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("durations", arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)),
        ("1h30m", .seconds(5400)), ("2d", .seconds(172_800)), ("1.5s", .milliseconds(1500)), ("10", .seconds(10)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test("bad durations", arguments: ["", "s", "5x", "-1s", "5m30", "abc"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("formatting durations", arguments: [
        (Duration.milliseconds(250), "250ms"), (.seconds(2), "2s"), (.milliseconds(2500), "2.5s"),
        (.seconds(90), "1m30s"), (.seconds(3600), "1h"), (.seconds(5400), "1h30m"),
    ])
    func format(d: Duration, expected: String) {
        #expect(DurationText.format(d) == expected)
    }

    @Test("exponential backoff doubles up to the cap; fixed stays; jitter scales")
    func retryDelays() {
        var policy = RetryPolicy()
        policy.delay = .seconds(1)
        policy.maxDelay = .seconds(5)
        policy.jitter = false
        #expect((1...5).map { policy.delay(afterAttempt: $0, random: 0.5) } ==
                [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        policy.backoff = .fixed
        #expect(policy.delay(afterAttempt: 4, random: 0.5) == .seconds(1))
        policy.backoff = .exponential
        policy.jitter = true
        #expect(policy.delay(afterAttempt: 3, random: 0.25) == .seconds(1))
        #expect(policy.delay(afterAttempt: 3, random: 0) == .zero)
        #expect(policy.delay(afterAttempt: 200, random: 0.5) == .milliseconds(2500))
    }

    @Test("suggestions only for likely typos")
    func suggestions() {
        #expect(KeySuggestion.nearest(to: "retires", among: ["retries", "timeout"]) == "retries")
        #expect(KeySuggestion.nearest(to: "tiemout", among: ["retries", "timeout"]) == "timeout")
        #expect(KeySuggestion.nearest(to: "zzzzzz", among: ["retries", "timeout"]) == nil)
    }
}
