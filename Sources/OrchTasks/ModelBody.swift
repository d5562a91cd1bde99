import Foundation
import OrchExecution
import OrchModels
import OrchSpec
import OrchWarehouse
import OrchPostgres

/// Builds one model: a view, a table (built under a new name and swapped in,
/// in one transaction), or an incremental table (merged on `unique_key`).
/// Errors name the model file and the line in it, with Postgres' message.
struct ModelBody: TaskBody {
    var model: Model
    var catalog: ModelCatalog
    var warehouse: Warehouse
    var fullRefresh: Bool

    func run(_ context: TaskContext) async throws -> TaskOutput {
        let schema = model.config.schema, name = model.name
        let relation = RelationName.quoted(schema, name)
        try await warehouse.ensureSchema(schema)
        let existing = try await warehouse.withTransaction { try await $0.relationKind(schema: schema, name: name) }
        let incremental = model.config.materialized == .incremental && existing == "r" && !fullRefresh
        let compiled: CompiledSQL
        do {
            compiled = try model.template.render(RenderContext(this: relation, isIncremental: incremental, vars: catalog.vars,
                                                               modelNames: catalog.modelNames, ref: catalog.relationResolver))
        } catch let error as SpecError {
            throw TaskFailure(.compile, error.description, retryable: false)
        }
        let sql = Self.trimmed(compiled.sql)
        try? FileManager.default.createDirectory(atPath: context.taskDirectory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let compiledPath = context.runFolder.compiledSQL(task: context.taskID)
        try? (sql + "\n").write(toFile: compiledPath, atomically: true, encoding: .utf8)
        let how = incremental ? "incremental merge" : (model.config.materialized == .incremental ? "incremental, full build"
                                                                                               : model.config.materialized.rawValue)
        context.log.write("building \(schema).\(name) (\(how)); compiled SQL in \(compiledPath)")

        /// Runs `prefix + sql`, mapping an error position back into the model file.
        @Sendable func build(_ session: WarehouseSession, _ prefix: String) async throws {
            do {
                try await session.executeOne(prefix + sql)
            } catch let error as WarehouseError {
                var place = model.file
                if let position = error.position, position > prefix.count {
                    place += ":\(compiled.sourceLine(ofPosition: position - prefix.count))"
                }
                throw ModelBuildError(error: error, place: place)
            }
        }

        let keys = model.config.uniqueKey.map(SQLName.quote).joined(separator: ", ")
        let target = WarehouseTable(schema: schema, table: name)
        let facts: [String: String]
        do {
            facts = try await warehouse.withTransaction(timeout: context.timeout) { session -> [String: String] in
                switch model.config.materialized {
                case .view:
                    if existing == "r" { try await session.execute("DROP TABLE \(relation)") }
                    try await session.execute("SAVEPOINT orch_view")
                    do {
                        try await build(session, "CREATE OR REPLACE VIEW \(relation) AS\n")
                    } catch let failure as ModelBuildError where failure.error.sqlState == .invalidTableDefinition {
                        // Columns were removed or retyped: OR REPLACE cannot do that, a fresh view can.
                        try await session.execute("ROLLBACK TO SAVEPOINT orch_view; DROP VIEW \(relation)")
                        try await build(session, "CREATE VIEW \(relation) AS\n")
                    }
                    return [:]
                case .table where true, .incremental where !incremental:
                    try await session.replace(target) { staging in try await build(session, "CREATE TABLE \(staging) AS\n") }
                    if model.config.materialized == .incremental { try await session.ensureUniqueKey(target, key: model.config.uniqueKey) }
                    let rows = try await session.rows("SELECT count(*) FROM \(relation)")
                    return ["rows": rows.first?.first.flatMap { $0 } ?? "0"]
                default:
                    return try await merge(session, target: target, keys: keys, build: build)
                }
            }
        } catch let failure as ModelBuildError {
            throw failure.error.taskFailure(doing: failure.place)
        } catch let error as WarehouseError {
            throw error.taskFailure(doing: model.file)
        }
        let summary = facts["inserted"].map { "\($0) inserted, \(facts["updated"] ?? "0") updated" } ?? facts["rows"].map { "\($0) rows" } ?? "view"
        context.log.write("built \(schema).\(name): \(summary)")
        return TaskOutput(summary: "\(schema).\(name): \(summary)", facts: facts.merging(["materialized": how]) { a, _ in a })
    }

    /// An incremental run: the model's new rows into a temporary table, then
    /// inserted or, for existing keys whose values changed, updated.
    private func merge(_ session: WarehouseSession, target table: WarehouseTable, keys: String,
                       build: @Sendable (WarehouseSession, String) async throws -> Void) async throws -> [String: String] {
        let relation = table.relation
        var added: [String] = []
        try await build(session, "CREATE TEMP TABLE orch_model_batch ON COMMIT DROP AS\n")
        let batch = try await session.columnNames("orch_model_batch")
        let target = try await session.columnNames(relation)
        // New columns are added (empty for the rows already there), as dbt's append_new_columns;
        // a dropped or retyped column needs `--full-refresh`.
        for column in batch where !target.contains(column) {
            let type = try await session.rows("""
            SELECT format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = 'orch_model_batch'::regclass AND attname = \(SQLName.literal(column))
            """).first?.first.flatMap { $0 } ?? "text"
            try await session.execute("ALTER TABLE \(relation) ADD COLUMN \(SQLName.quote(column)) \(type)")
            added.append(column)
        }
        try await session.ensureUniqueKey(table, key: model.config.uniqueKey)
        let counts = try await session.upsert(into: table, from: "orch_model_batch", columns: batch, key: model.config.uniqueKey,
                                              duplicates: .rejected, onConflict: .overwrite(onlyChanged: true))
        var facts = ["inserted": String(counts.inserted), "updated": String(counts.updated)]
        if !added.isEmpty { facts["columns_added"] = added.joined(separator: ",") }
        return facts
    }

    /// Without trailing `;` and whitespace, so the SQL can be wrapped.
    static func trimmed(_ sql: String) -> String {
        var s = Substring(sql)
        while let last = s.last, last.isWhitespace || last == ";" { s = s.dropLast() }
        return String(s)
    }
}

/// The model's SQL failed: the warehouse's error and where in the model file
/// it points, kept typed until the transaction is over (its SQLSTATE decides
/// whether a view is rebuilt).
struct ModelBuildError: Error, Sendable {
    var error: WarehouseError
    var place: String
}

/// Runs one data test: counts the offending rows, keeps a few as samples,
/// and reports pass, warn (severity warn) or fail (severity error, which
/// fails the node and so holds back what reads the model).
struct DataTestBody: TaskBody {
    var test: DataTest
    var catalog: ModelCatalog
    var warehouse: Warehouse

    func run(_ context: TaskContext) async throws -> TaskOutput {
        let sql: String
        do {
            sql = ModelBody.trimmed(try test.failingRowsSQL(relation: catalog.relationResolver, vars: catalog.vars,
                                                            modelNames: catalog.modelNames))
        } catch let error as SpecError {
            throw TaskFailure(.compile, error.description, retryable: false)
        }
        context.log.write("test \(test.name) (\(test.kind.name), severity \(test.severity.rawValue)) on \(test.model)\(test.column.map { ".\($0)" } ?? "")")
        context.log.write(sql)
        var result = TestResult(test: test.name, testType: test.kind.name, model: test.model, column: test.column,
                                severity: test.severity == .warn ? .warn : .error, status: .pass, failingRows: 0, sampleRows: "[]", sql: sql)
        do {
            let (count, columns, rows) = try await warehouse.withTransaction(timeout: context.timeout) { session in
                let count = Int(try await session.rows("SELECT count(*) FROM (\n\(sql)\n) AS failing").first?.first.flatMap { $0 } ?? "0") ?? 0
                guard count > 0 else { return (count, [String](), [[String?]]()) }
                let sample = try await session.table("SELECT * FROM (\n\(sql)\n) AS failing LIMIT 5")
                return (count, sample.columns, sample.rows)
            }
            result.failingRows = count
            result.sampleRows = Self.json(columns: columns, rows: rows)
        } catch let error as WarehouseError {
            result.status = .error
            result.message = error.description
            throw error.taskFailure(doing: "test \(test.name) could not run", statementClass: .testError,
                                    output: TaskOutput(testResult: result))
        }
        guard result.failingRows > 0 else {
            context.log.write("pass")
            return TaskOutput(summary: "pass", testResult: result)
        }
        let what = "\(result.failingRows) failing row(s) in \(test.model)\(test.column.map { ".\($0)" } ?? "")"
        context.log.write("\(what); samples: \(result.sampleRows)")
        if test.severity == .warn {
            result.status = .warn
            return TaskOutput(summary: "warn: \(what)", testResult: result)
        }
        result.status = .fail
        result.message = what
        throw TaskFailure(.testFailed, "\(test.kind.name) test \(test.name): \(what) (orch tests \(context.runID) --model \(test.model) shows samples and the SQL)",
                          retryable: false, output: TaskOutput(testResult: result))
    }

    static func json(columns: [String], rows: [[String?]]) -> String {
        let objects = rows.map { row in
            Dictionary(zip(columns, row.map { value -> Any in value ?? NSNull() }).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        }
        guard let data = try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys]) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
