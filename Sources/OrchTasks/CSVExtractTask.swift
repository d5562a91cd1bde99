import Foundation
import OrchExecution
import OrchSpec
import OrchWarehouse

/// `kind: csv_extract`: loads a CSV file (or several, by glob) into a table.
/// Every row is parsed and checked before the database is touched; rows that
/// fail go to `attempt-<n>-rejected.csv` with their line and reason, and more
/// than `max_bad_rows` of them fail the task with the first reasons.
///
/// Modes: `replace` (load a new table and swap it in, one transaction),
/// `append`, `upsert` (on `key`). Fields: `file`, `table`, `mode`, `key`,
/// `columns` (name → type, or `{type, format, min, max, required}`), `infer`
/// (types of undeclared columns from the data; default true, else text),
/// `max_bad_rows` (default 0), `delimiter` (default `,`).
public struct CSVExtractTask: WarehouseTaskKind {
    public static let name = "csv_extract"

    public enum Mode: String, Sendable, CaseIterable { case replace, append, upsert }

    var pattern: String
    var displayPattern: String
    var schema: String
    var table: String
    var mode: Mode
    var key: [String]
    var declared: [String: CSVColumn]
    var infer: Bool
    var maxBadRows: Int
    var delimiter: UInt8

    public var datasets: (reads: [String], writes: [String]) { (["file:\(pattern)"], ["\(schema).\(table)"]) }

    public static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> CSVExtractTask? {
        let file = options.requiredString("file", hint: "the CSV file (or a glob like data/*.csv), relative to the pipeline")
        let tableText = options.requiredString("table", hint: "the target table, e.g. raw.online_sales")
        var qualified: (schema: String, table: String)?
        if let tableText {
            qualified = SQLName.qualified(tableText)
            if qualified == nil {
                options.report("`table` must be `schema.table` with letters, digits and `_`, found `\(tableText)`",
                               at: options.raw("table")!.location)
            }
        }
        var mode = Mode.replace
        if let text = options.string("mode") {
            if let m = Mode(rawValue: text) { mode = m } else {
                options.report("`mode` must be replace, append or upsert, found `\(text)`", at: options.raw("mode")!.location)
            }
        }
        let key = options.stringList("key") ?? []
        if mode == .upsert && key.isEmpty {
            options.report("`mode: upsert` needs `key:` (the columns that identify a row)", at: options.location(of: "mode"))
        }
        let infer = options.bool("infer") ?? true
        let maxBad = options.int("max_bad_rows", min: 0) ?? 0
        var delimiter = UInt8(ascii: ",")
        if let d = options.string("delimiter") {
            if d == "\\t" || d == "\t" { delimiter = 9 } else if d.utf8.count == 1 { delimiter = d.utf8.first! } else {
                options.report("`delimiter` must be one character", at: options.raw("delimiter")!.location)
            }
        }
        let declared = readColumns(&options)
        guard let file, let qualified else { return nil }
        return CSVExtractTask(pattern: environment.resolve(file), displayPattern: file, schema: qualified.schema,
                              table: qualified.table, mode: mode, key: key.map(CSVValue.snakeCase), declared: declared,
                              infer: infer, maxBadRows: maxBad, delimiter: delimiter)
    }

    private static func readColumns(_ options: inout MappingReader) -> [String: CSVColumn] {
        guard let raw = options.raw("columns"), case .map = raw.kind else { return [:] }
        var diagnostics: [Diagnostic] = []
        guard var columns = MappingReader(raw, context: "`columns`", diagnostics: &diagnostics) else { return [:] }
        var out: [String: CSVColumn] = [:]
        let typeNames = CSVColumn.ColumnType.allCases.map(\.rawValue).joined(separator: ", ")
        for name in columns.keys {
            guard let value = columns.raw(name) else { continue }
            let snake = CSVValue.snakeCase(name)
            func type(_ text: String, at location: SourceLocation) -> CSVColumn.ColumnType? {
                if let t = CSVColumn.ColumnType(rawValue: text) { return t }
                columns.report("column `\(name)`: unknown type `\(text)`", at: location, hint: "types: \(typeNames)")
                return nil
            }
            switch value.kind {
            case let .scalar(text, _):
                if let t = type(text, at: value.location) { out[snake] = CSVColumn(name: snake, type: t) }
            case .map:
                guard var spec = MappingReader(value, context: "column `\(name)`", diagnostics: &diagnostics) else { continue }
                let typeText = spec.requiredString("type", hint: "types: \(typeNames)") ?? "text"
                var column = CSVColumn(name: snake, type: type(typeText, at: spec.raw("type")?.location ?? value.location) ?? .text)
                if let f = spec.string("format") {
                    if let format = CSVColumn.DateFormat(rawValue: f) { column.dateFormat = format } else {
                        spec.report("date `format` must be M/D/YYYY or YYYY-MM-DD, found `\(f)`", at: spec.raw("format")!.location)
                    }
                }
                column.min = spec.double("min")
                column.max = spec.double("max")
                column.required = spec.bool("required") ?? false
                diagnostics += spec.finish()
                out[snake] = column
            default:
                columns.report("column `\(name)` must be a type name or a mapping", at: value.location)
            }
        }
        diagnostics += columns.finish()
        for d in diagnostics { options.report(d.message, at: d.location ?? raw.location, hint: d.hint) }
        return out
    }

    public func run(_ context: TaskContext, warehouse: Warehouse) async throws -> TaskOutput {
        let files = try FileGlob.expand(pattern)
        guard !files.isEmpty else {
            throw TaskFailure(.missingFile, "no file matches `\(displayPattern)` (looked for \(pattern))", retryable: false)
        }
        let started = ContinuousClock.now
        var load = try CSVLoad.plan(files: files, declared: declared, infer: infer, delimiter: delimiter)
        // A NULL key never conflicts, so such a row would be inserted again on every run: reject it instead.
        for i in load.columns.indices where key.contains(load.columns[i].name) { load.columns[i].required = true }
        context.log.write("columns: " + load.columns.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", "))
        let rejectedPath = context.runFolder.rejectedRows(task: context.taskID, attempt: context.attempt)
        let outcome: CSVLoad.Outcome
        do {
            outcome = try await write(load, warehouse: warehouse, timeout: context.timeout)
        } catch let tooMany as TooManyBadRows {
            try CSVLoad.writeRejected(tooMany.outcome.rejected, to: rejectedPath)
            let rejected = tooMany.outcome.rejected
            let first = rejected.prefix(5).map { "\($0.file.split(separator: "/").last ?? ""):\($0.line): \($0.reason)" }
            context.log.write("read \(tooMany.outcome.rowsRead) rows; \(rejected.count) rejected, written to \(rejectedPath)")
            throw TaskFailure(.badRows, "\(rejected.count) bad row(s), more than max_bad_rows (\(maxBadRows)); "
                              + "nothing was loaded and \(schema).\(table) is unchanged. First: " + first.joined(separator: "; ")
                              + ". All in \(rejectedPath)", retryable: false)
        } catch let error as WarehouseError {
            throw error.taskFailure(doing: "loading \(schema).\(table)")
        }
        let loaded = outcome.rowsRead - outcome.rejected.count
        var facts = ["rows_read": String(outcome.rowsRead), "rows_loaded": String(loaded),
                     "rows_rejected": String(outcome.rejected.count), "table": "\(schema).\(table)",
                     "files": files.joined(separator: ","), "reads": files.map { "file:\($0)" }.joined(separator: ","),
                     "writes": "\(schema).\(table)"]
        if !outcome.rejected.isEmpty {
            try CSVLoad.writeRejected(outcome.rejected, to: rejectedPath)
            facts["rejected_file"] = rejectedPath
            context.log.write("\(outcome.rejected.count) rejected row(s) written to \(rejectedPath)")
        }
        context.log.write("read \(outcome.rowsRead) rows from \(files.joined(separator: ", ")); loaded \(loaded) into "
                          + "\(schema).\(table) (\(mode.rawValue)) in \(ContinuousClock.now - started)")
        return TaskOutput(summary: "\(loaded) rows into \(schema).\(table), \(outcome.rejected.count) rejected", facts: facts,
                          lineage: files.map { LineageEdge(source: "file:\($0)", target: "\(schema).\(table)") })
    }

    /// Thrown inside the load's transaction so that it rolls back.
    struct TooManyBadRows: Error {
        var outcome: CSVLoad.Outcome
    }

    /// One transaction: prepare the target, stream the rows in while they
    /// are parsed, check the bad-row limit, then swap or merge.
    private func write(_ load: CSVLoad, warehouse: Warehouse, timeout: Duration?) async throws -> CSVLoad.Outcome {
        let columnsSQL = load.columns.map { "\(SQLName.quote($0.name)) \($0.type.sql)" }.joined(separator: ", ")
        let names = load.columns.map(\.name)
        let destination = WarehouseTable(schema: schema, table: table), target = destination.relation
        let maxBadRows = self.maxBadRows
        try await warehouse.ensureSchema(schema)
        return try await warehouse.withTransaction(timeout: timeout) { session in
            /// Streams the rows into `copySchema.copyTable` while they are parsed, then checks what the parse found.
            func copyRows(schema copySchema: String, table copyTable: String, into ownTable: Bool) async throws -> CSVLoad.Outcome {
                var chosen = load
                // Binary only into a table orch has just made with these types: an existing one may have others, which text converts.
                chosen.format = ownTable && load.columns.allSatisfy(\.hasBinaryForm) ? .binary : .text
                let load = chosen
                let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
                async let encoded: CSVLoad.Outcome = {
                    defer { continuation.finish() }
                    return load.encode { continuation.yield($0) }
                }()
                try await session.copy(schema: copySchema, table: copyTable, columns: names, format: load.format, stream: stream)
                let outcome = await encoded
                try Task.checkCancellation()
                if let broken = outcome.unterminated {
                    throw TaskFailure(.csvSyntax, "\(broken.file):\(broken.line): a quoted field opened here is never closed, so the rest of "
                                      + "the file cannot be read; nothing was loaded and \(schema).\(table) is unchanged", retryable: false)
                }
                if outcome.rejected.count > maxBadRows { throw TooManyBadRows(outcome: outcome) }
                return outcome
            }
            switch mode {
            case .append:
                try await session.execute("CREATE TABLE IF NOT EXISTS \(target) (\(columnsSQL))")
                return try await copyRows(schema: schema, table: table, into: false)
            case .replace:
                return try await session.replace(destination) { staging in
                    try await session.execute("CREATE TABLE \(staging) (\(columnsSQL))")
                    return try await copyRows(schema: schema, table: destination.stagingName, into: true)
                }
            case .upsert:
                let copyTable = table + "__orch_upsert"
                try await session.execute("CREATE TABLE IF NOT EXISTS \(target) (\(columnsSQL))")
                try await session.ensureUniqueKey(destination, key: key)
                try await session.execute("""
                CREATE TEMP TABLE \(SQLName.quote(copyTable)) (LIKE \(target)) ON COMMIT DROP;
                ALTER TABLE \(SQLName.quote(copyTable)) ADD COLUMN orch_line bigserial
                """)
                let outcome = try await copyRows(schema: try await session.temporarySchema(), table: copyTable, into: false)
                // The file's last line for a key wins, as if the lines were applied in order.
                try await session.upsert(into: destination, from: SQLName.quote(copyTable), columns: names, key: key,
                                         duplicates: .latest(by: "orch_line"), onConflict: .overwrite(onlyChanged: false))
                return outcome
            }
        }
    }
}
