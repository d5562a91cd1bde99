import ArgumentParser
import Foundation
import OrchStandIn

/// `orch-standin`: the local CoinGecko/NewsAPI stand-in for demos and tests.
@main
struct StandIn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orch-standin",
        abstract: "A local stand-in for CoinGecko (/api/v3/simple/price) and NewsAPI (/v2/top-headlines), with faults.",
        discussion: "Change faults while it runs: curl -X POST localhost:PORT/_faults -d '{\"error_rate\": 0.5}'"
    )

    @Option(help: "Port on 127.0.0.1 (0: any free port).") var port = 8099
    @Option(help: "Seed for prices, headlines and fault decisions.") var seed: UInt64 = 1
    @Option(help: "Share of requests answered 503.") var errorRate = 0.0
    @Option(help: "Milliseconds added to each response.") var latencyMs = 0
    @Option(help: "Share of requests answered with broken JSON.") var malformedRate = 0.0
    @Option(help: "Share of requests answered 429 with Retry-After.") var rateLimitRate = 0.0
    @Option(help: "Retry-After seconds on 429.") var retryAfter = 1

    func run() async throws {
        var config = StandInServer.Configuration()
        config.port = port
        config.seed = seed
        config.faults.errorRate = errorRate
        config.faults.latencyMs = latencyMs
        config.faults.malformedRate = malformedRate
        config.faults.rateLimitRate = rateLimitRate
        config.faults.retryAfterSeconds = retryAfter
        try await StandInServer(configuration: config).run { port in
            // Written straight to fd 1 so scripts waiting for this line see it at once.
            FileHandle.standardOutput.write(Data("orch-standin listening on http://127.0.0.1:\(port)\n".utf8))
        }
    }
}
