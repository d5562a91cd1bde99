/// What an upsert does with a row whose key is already in the target.
public enum ConflictRule: Sendable, Hashable {
    /// Keep the stored row (`DO NOTHING`).
    case keepStored
    /// Overwrite the non-key columns; with `onlyChanged`, only rows whose
    /// values differ (an unchanged row is neither rewritten nor counted).
    case overwrite(onlyChanged: Bool)
}

/// Which row wins when the source holds one key more than once.
public enum DuplicateKeys: Sendable, Hashable {
    /// The source has none (a second one is an error from Postgres).
    case rejected
    /// Any one of them.
    case anyOne
    /// The one with the highest value in this column (the file's last line).
    case latest(by: String)
}

public struct UpsertCounts: Sendable, Hashable {
    public var inserted: Int
    public var updated: Int
}

extension WarehouseSession {
    /// Inserts `columns` of `source` into `target`, merging on `key` (whose
    /// unique index must exist, see `ensureUniqueKey`): the one upsert and
    /// incremental merge of every kind. With no key it appends.
    /// - Parameter source: a quoted relation (often a temporary table).
    @discardableResult
    public func upsert(into target: WarehouseTable, from source: String, columns: [String], key: [String],
                       duplicates: DuplicateKeys, onConflict rule: ConflictRule) async throws -> UpsertCounts {
        let cols = columns.map(SQLName.quote).joined(separator: ", ")
        let keys = key.map(SQLName.quote).joined(separator: ", ")
        var select = "SELECT \(cols) FROM \(source)"
        var conflict = ""
        if !key.isEmpty {
            switch duplicates {
            case .rejected: break
            case .anyOne: select = "SELECT DISTINCT ON (\(keys)) \(cols) FROM \(source)"
            case let .latest(by: column):
                select = "SELECT DISTINCT ON (\(keys)) \(cols) FROM \(source) ORDER BY \(keys), \(SQLName.quote(column)) DESC"
            }
            let updates = columns.filter { !key.contains($0) }.map(SQLName.quote)
            var action = "NOTHING"
            if case let .overwrite(onlyChanged) = rule, !updates.isEmpty {
                action = "UPDATE SET " + updates.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
                if onlyChanged {
                    action += "\nWHERE (\(updates.map { "t.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM "
                        + "(\(updates.map { "excluded.\($0)" }.joined(separator: ", ")))"
                }
            }
            conflict = "\nON CONFLICT (\(keys)) DO \(action)"
        }
        let counts = try await rows("""
        WITH merged AS (
            INSERT INTO \(target.relation) AS t (\(cols))
            \(select)\(conflict)
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
        """)
        let row = counts.first ?? []
        return UpsertCounts(inserted: row.first.flatMap { $0 }.flatMap { Int($0) } ?? 0,
                            updated: row.dropFirst().first.flatMap { $0 }.flatMap { Int($0) } ?? 0)
    }
}
