import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchExecution
import OrchSpec
import OrchWarehouse
import NIOFoundationCompat

/// `kind: http_poll`: GETs a JSON API and appends the mapped rows to a table,
/// skipping rows whose `unique_key` is already there (the same article polled
/// twice is one row). Connect errors, timeouts, 5xx and 429 are retryable
/// (429's `Retry-After` is honoured); other 4xx fail at once with the status
/// and a short excerpt of the body. Values of query params and headers named
/// in `secrets` (and any whose name contains key, token, secret, password or
/// auth) never appear in logs or errors.
public struct HTTPPollTask: WarehouseTaskKind {
    public static let name = "http_poll"

    var url: String
    var query: [(String, String)]
    var headers: [(String, String)]
    var secretValues: [String]
    var schema: String
    var table: String
    var rows: JSONPath
    var columns: [HTTPColumn]
    var uniqueKey: [String]
    var requestTimeout: Duration
    var maxResponseBytes: Int

    static let secretPattern = ["key", "token", "secret", "password", "auth"]

    public var datasets: (reads: [String], writes: [String]) { (["http:\(redact(url))"], ["\(schema).\(table)"]) }

    public static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> HTTPPollTask? {
        let url = options.requiredString("url", hint: "the endpoint, e.g. \"{{ params.coingecko_url }}/api/v3/simple/price\"")
        let query = options.stringMap("query") ?? []
        let headers = options.stringMap("headers") ?? []
        let secrets = Set((options.stringList("secrets") ?? []).map { $0.lowercased() })
        let tableText = options.requiredString("table", hint: "the raw table to append to, e.g. raw.bitcoin_prices_raw")
        let qualified = tableText.flatMap { SQLName.qualified($0) }
        if tableText != nil && qualified == nil {
            options.report("`table` must be `schema.table` with letters, digits and `_`", at: options.raw("table")!.location)
        }
        var rowsPath = try? JSONPath(parsing: "$")
        if let text = options.string("rows") {
            do { rowsPath = try JSONPath(parsing: text) } catch {
                options.report("`rows`: \(error)", at: options.raw("rows")!.location)
                rowsPath = nil
            }
        }
        let columns = HTTPColumn.read(&options)
        let uniqueKey = options.stringList("unique_key") ?? []
        for key in uniqueKey where !columns.contains(where: { $0.name == key }) {
            options.report("`unique_key` names `\(key)`, which is not one of `columns`", at: options.location(of: "unique_key"))
        }
        let timeout = options.duration("request_timeout") ?? .seconds(10)
        let maxBytes = options.int("max_response_bytes", min: 1) ?? 4 << 20
        if let url, !url.contains("{{"), !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            options.report("`url` must start with http:// or https://, found `\(url)`", at: options.raw("url")!.location)
        }
        guard let url, let qualified, let rowsPath, !columns.isEmpty else {
            if options.raw("columns") == nil {
                options.report("task `\(task.id)` (kind http_poll) needs `columns:` mapping JSON paths to table columns",
                               at: task.location, hint: "e.g. price: { path: $.bitcoin.usd, type: numeric }")
            }
            return nil
        }
        let isSecret = { (name: String) in
            secrets.contains(name.lowercased()) || secretPattern.contains { name.lowercased().contains($0) }
        }
        let secretValues = (query + headers).filter { isSecret($0.0) && !$0.1.isEmpty }.map(\.1)
        return HTTPPollTask(url: url, query: query, headers: headers, secretValues: secretValues, schema: qualified.schema,
                            table: qualified.table, rows: rowsPath, columns: columns, uniqueKey: uniqueKey,
                            requestTimeout: timeout, maxResponseBytes: maxBytes)
    }

    /// `text` with every secret value replaced by `***`.
    func redact(_ text: String) -> String {
        secretValues.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    var requestURL: String {
        guard !query.isEmpty, var components = URLComponents(string: url) else { return url }
        components.queryItems = (components.queryItems ?? []) + query.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.string ?? url
    }

    public func run(_ context: TaskContext, warehouse: Warehouse) async throws -> TaskOutput {
        let (document, received, bytes) = try await fetch(context)
        let items = rows.values(in: document)
        let ingestion = Date()
        var chunk: [UInt8] = []
        var rowCount = 0
        for item in items {
            let mark = chunk.count
            var bad: String?
            for (c, column) in columns.enumerated() {
                if c > 0 { chunk.append(COPYText.fieldSeparator) }
                let value = column.value(item: item, document: document, received: received, ingestion: ingestion, runID: context.runID)
                // A NULL key never conflicts, so the row would be stored again on every poll.
                if value == nil, uniqueKey.contains(column.name) { bad = "unique_key column `\(column.name)` is missing or null"; break }
                if let reason = column.encode(value, into: &chunk) { bad = reason; break }
            }
            if let bad {
                chunk.removeSubrange(mark...)
                context.log.write("skipped a row: \(redact(bad))")
                continue
            }
            chunk.append(COPYText.rowEnd)
            rowCount += 1
        }
        let inserted: Int
        do {
            inserted = try await store(chunk, warehouse: warehouse, timeout: context.timeout)
        } catch let error as WarehouseError {
            throw error.taskFailure(doing: "storing into \(schema).\(table)")
        }
        context.log.write("\(rowCount) row(s) in the response, \(inserted) new, \(rowCount - inserted) already stored")
        return TaskOutput(summary: "\(inserted) new row(s) in \(schema).\(table)",
                          facts: ["rows_received": String(rowCount), "rows_inserted": String(inserted),
                                  "rows_duplicate": String(rowCount - inserted), "bytes": String(bytes),
                                  "reads": "http:" + redact(url), "writes": "\(schema).\(table)"],
                          lineage: [LineageEdge(source: "http:" + redact(url), target: "\(schema).\(table)")])
    }

    private func fetch(_ context: TaskContext) async throws -> (Any, Date, Int) {
        var request = HTTPClientRequest(url: requestURL)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "orch")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let shownQuery = query.map { "\($0.0)=\(secretValues.contains($0.1) ? "***" : $0.1)" }.joined(separator: "&")
        context.log.write("GET \(redact(url))" + (shownQuery.isEmpty ? "" : "?\(shownQuery)"))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(requestTimeout.wholeNanoseconds))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TaskFailure(.httpTransport, redact("GET \(url) failed: \(error)"), retryable: true)
        }
        let status = response.status.code
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw TaskFailure(.httpTooLarge, "the response of \(redact(url)) is larger than max_response_bytes (\(maxResponseBytes))",
                              retryable: false)
        } catch {
            throw TaskFailure(.httpTransport, redact("reading the response of \(url) failed: \(error)"), retryable: true)
        }
        let received = Date()
        context.log.write("HTTP \(status), \(body.readableBytes) bytes")
        guard (200..<300).contains(Int(status)) else {
            let excerpt = redact(String(buffer: body).prefix(300).replacingOccurrences(of: "\n", with: " "))
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: received) }
            let retryable = status >= 500 || status == 429 || status == 408
            throw TaskFailure(.http(status: Int(status)), "GET \(redact(url)) answered HTTP \(status): \(excerpt)", retryable: retryable,
                              retryAfter: retryAfter)
        }
        do {
            return (try JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed]), received, body.readableBytes)
        } catch {
            let excerpt = redact(String(buffer: body).prefix(120).replacingOccurrences(of: "\n", with: " "))
            throw TaskFailure(.badJSON, "GET \(redact(url)) returned invalid JSON: \(excerpt)", retryable: true)
        }
    }

    /// Appends rows through a temporary table, skipping those whose key exists. Returns how many were new.
    private func store(_ chunk: [UInt8], warehouse: Warehouse, timeout: Duration?) async throws -> Int {
        let destination = WarehouseTable(schema: schema, table: table), target = destination.relation
        let definitions = columns.map { "\(SQLName.quote($0.name)) \($0.type.sql)" }.joined(separator: ", ")
        let names = columns.map(\.name)
        try await warehouse.ensureSchema(schema)
        return try await warehouse.withTransaction(timeout: timeout) { session in
            try await session.execute("CREATE TABLE IF NOT EXISTS \(target) (\(definitions))")
            if !uniqueKey.isEmpty { try await session.ensureUniqueKey(destination, key: uniqueKey) }
            try await session.execute("CREATE TEMP TABLE orch_poll (LIKE \(target)) ON COMMIT DROP")
            guard !chunk.isEmpty else { return 0 }
            try await session.copy(schema: try await session.temporarySchema(), table: "orch_poll", columns: names, chunks: [chunk])
            return try await session.upsert(into: destination, from: "orch_poll", columns: names, key: uniqueKey,
                                            duplicates: .anyOne, onConflict: .keepStored).inserted
        }
    }
}
