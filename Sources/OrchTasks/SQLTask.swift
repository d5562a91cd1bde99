import Foundation
import OrchExecution
import OrchSpec
import OrchWarehouse

/// `kind: sql`: runs statements against the warehouse, inline (`sql:`) or
/// from a file (`file:`, relative to the pipeline). Errors name the line of
/// the script. The script runs in one transaction (`transaction: false` for
/// statements that refuse one, like VACUUM); `read_only: true` makes any write an
/// error (a one-statement read then costs one round trip). Connection failures,
/// serialization failures and deadlocks are retryable; everything else fails at once.
public struct SQLTask: WarehouseTaskKind {
    public static let name = "sql"

    var script: String
    var origin: String
    var transaction: Bool
    var readOnly = false

    public static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> SQLTask? {
        let inline = options.string("sql")
        let file = options.string("file")
        let transaction = options.bool("transaction") ?? true
        let readOnly = options.bool("read_only") ?? false
        if readOnly && !transaction {
            options.report("task `\(task.id)` has `read_only: true` and `transaction: false`; a read-only script runs in a transaction",
                           at: options.location(of: "read_only"), hint: "remove one of them")
            return nil
        }
        switch (inline, file) {
        case let (sql?, nil):
            return SQLTask(script: sql, origin: "task \(task.id) sql", transaction: transaction, readOnly: readOnly)
        case let (nil, path?):
            let full = environment.resolve(path)
            guard let text = try? String(contentsOfFile: full, encoding: .utf8) else {
                options.report("cannot read SQL file \(full)", at: options.raw("file")!.location,
                               hint: "paths are relative to the pipeline file's folder")
                return nil
            }
            do {
                let rendered = try environment.render(text, SourceLocation(file: full, line: 1, column: 1))
                return SQLTask(script: rendered, origin: full, transaction: transaction, readOnly: readOnly)
            } catch let d as Diagnostic {
                options.report(d.message, at: d.location ?? task.location, hint: d.hint)
                return nil
            } catch {
                options.report("\(error)", at: task.location)
                return nil
            }
        case (nil, nil):
            options.report("task `\(task.id)` (kind sql) needs `sql:` (statements) or `file:` (a .sql file)", at: task.location)
            return nil
        case (_?, _?):
            options.report("task `\(task.id)` has both `sql:` and `file:`; keep one", at: options.location(of: "file"))
            return nil
        }
    }

    public func run(_ context: TaskContext, warehouse: Warehouse) async throws -> TaskOutput {
        context.log.write("-- running \(origin)")
        do {
            try await warehouse.execute(script: script, timeout: context.timeout, transaction: transaction, readOnly: readOnly)
        } catch let error as WarehouseError {
            var place = origin
            if let line = error.line { place += ":\(line)" }
            context.log.write("\(place): \(error)")
            throw error.taskFailure(doing: place)
        }
        return TaskOutput(summary: "ok")
    }
}
