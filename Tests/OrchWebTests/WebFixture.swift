import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchPostgres
import OrchRuntime
import OrchStore
import OrchTestSupport
@testable import OrchWeb

/// A fresh database, a scratch folder, `orch` runs into that database, and
/// the web view served from it on a free loopback port: real server, real store.
struct WebFixture: Sendable {
    var dir: String
    var db: DatabaseURL
    var port: Int
    var extra: [String: String] = [:]

    var vars: [String: String] {
        ["ORCH_HOME": "\(dir)/home", "ORCH_DATABASE_URL": db.url(includePassword: true)].merging(extra) { $1 }
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = "\(dir)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `orch ARGS` with this fixture's home and database.
    func orch(_ args: [String]) async throws -> ProcessResult { try await runOrch(args, environment: vars, directory: dir) }

    /// The id of the newest run.
    func lastRunID() async throws -> String {
        let document = try JSONSerialization.jsonObject(with: Data(try await orch(["status", "--json"]).stdout.utf8)) as! [String: Any]
        return (document["runs"] as! [[String: Any]])[0]["run_id"] as! String
    }

    struct Page: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// A client that shows redirects rather than following them (the token link answers with one).
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// GET `path` (with its query) from the server, optionally with headers.
    func get(_ path: String, headers: [String: String] = [:]) async throws -> Page {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        var h: [String: String] = [:]
        for header in response.headers { h[header.name.lowercased()] = header.value }
        return Page(status: Int(response.status.code), headers: h, body: String(buffer: body))
    }

    /// Runs `body` with the web view serving a fresh database. `prepare` runs first (e.g. `orch run`s), before the server starts.
    static func with(extra: [String: String] = [:],
                     configure: @Sendable (inout WebServer.Configuration) -> Void = { _ in },
                     prepare: @Sendable (WebFixture) async throws -> Void = { _ in },
                     _ body: @Sendable (WebFixture) async throws -> Void) async throws {
        let db = try await TestDatabase.fresh()
        try await withTemporaryDirectory { dir in
            let setup = WebFixture(dir: dir, db: db, port: 0, extra: extra)
            try await prepare(setup)
            try await Store.with(db) { store in
                var configuration = WebServer.Configuration(listen: ListenAddress(host: "127.0.0.1", port: 0))
                configuration.schedulesDirectory = "\(dir)/schedules"
                configure(&configuration)
                let server = try WebServer(configuration: configuration, store: store,
                                           environment: OrchEnvironment(variables: setup.vars, currentDirectory: dir))
                let (ports, continuation) = AsyncStream<Int>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await server.run { continuation.yield($0) } }
                    var port = 0
                    for await p in ports { port = p; break }
                    var fixture = setup
                    fixture.port = port
                    try await body(fixture)
                    group.cancelAll()
                }
            }
        }
    }
}
