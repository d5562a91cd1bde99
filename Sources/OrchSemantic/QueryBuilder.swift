import Foundation

/// Turns a `SemanticQuery` into SQL over the star schema, joining the tables
/// of the dimensions to the metrics' table along the catalog's joins.
public enum QueryBuilder {
    public static func sql(for query: SemanticQuery, catalog: SemanticCatalog) throws -> String {
        let metrics = try query.metrics.map { name -> (SemanticCatalog.Table, SemanticCatalog.Field) in
            guard let m = catalog.metrics.first(where: { $0.field.name == name }) else { throw QueryError("no metric `\(name)`") }
            return m
        }
        guard let (base, firstMetric) = metrics.first else {
            throw QueryError("the query names no metric; metrics: " + catalog.metrics.map(\.field.name).sorted().joined(separator: ", "))
        }
        for (table, field) in metrics where table.name != base.name {
            throw QueryError("`\(field.name)` (table \(table.name)) and `\(firstMetric.name)` (table \(base.name)) come from different tables; ask for them separately")
        }
        let dimensions = try query.dimensions.map { name -> (SemanticCatalog.Table, SemanticCatalog.Field) in
            guard let d = catalog.dimensions.first(where: { $0.field.name == name }) else { throw QueryError("no dimension `\(name)`") }
            return d
        }
        var joins: [String] = []
        var joined: Set<String> = [base.name]
        for (table, field) in dimensions where !joined.contains(table.name) {
            guard let path = joinPath(from: base.name, to: table.name, catalog: catalog) else {
                throw QueryError("dimension `\(field.name)` (table \(table.name)) cannot be joined to \(base.name): the catalog has no join path")
            }
            for (to, condition) in path where !joined.contains(to) {
                // Catalog files are checked for joins to missing tables; a stored catalog may not have been.
                guard let relation = catalog.table(to)?.relation else {
                    throw QueryError("dimension `\(field.name)` joins through `\(to)`, which is not a table in the catalog")
                }
                joins.append("JOIN \(relation) AS \(to) ON \(condition)")
                joined.insert(to)
            }
        }
        var conditions: [String] = []
        var with = ""
        if let period = query.period {
            guard let date = base.dateColumn else {
                throw QueryError("table \(base.name) has no date_column in the catalog, so a period cannot apply")
            }
            let column = "\(base.name).\(date)"
            with = "WITH bounds AS (SELECT max(\(date)) AS newest FROM \(base.relation))\n"
            joins.append("CROSS JOIN bounds")
            let next = "date_trunc('%@', bounds.newest + interval '1 day')"
            switch period {
            case .lastMonth:
                conditions.append("\(column) >= \(next.replacingOccurrences(of: "%@", with: "month")) - interval '1 month' AND \(column) < \(next.replacingOccurrences(of: "%@", with: "month"))")
            case .lastQuarter:
                conditions.append("\(column) >= \(next.replacingOccurrences(of: "%@", with: "quarter")) - interval '3 months' AND \(column) < \(next.replacingOccurrences(of: "%@", with: "quarter"))")
            case .lastYear:
                conditions.append("\(column) >= \(next.replacingOccurrences(of: "%@", with: "year")) - interval '1 year' AND \(column) < \(next.replacingOccurrences(of: "%@", with: "year"))")
            case let .lastDays(n):
                conditions.append("\(column) > bounds.newest - interval '\(n) days'")
            case .recent:
                conditions.append("\(column) > bounds.newest - interval '1 day'")
            }
        }
        if !query.quarters.isEmpty, let quarter = catalog.dimensions.first(where: { $0.field.name == "quarter" }) {
            conditions.append("(\(quarter.field.sql)) IN (\(query.quarters.map(String.init).joined(separator: ", ")))")
        }
        if let filter = query.filter, !filter.isEmpty {
            conditions.append("(\(substitute(filter, catalog: catalog)))")
        }
        let selects = dimensions.map { "\($0.1.sql) AS \($0.1.name)" } + metrics.map { "\($0.1.sql) AS \($0.1.name)" }
        var sql = with + "SELECT " + selects.joined(separator: ",\n       ") + "\nFROM \(base.relation) AS \(base.name)"
        for join in joins { sql += "\n" + join }
        if !conditions.isEmpty { sql += "\nWHERE " + conditions.joined(separator: "\n  AND ") }
        if !dimensions.isEmpty { sql += "\nGROUP BY " + (1...dimensions.count).map(String.init).joined(separator: ", ") }
        if let descending = query.descending ?? (query.top != nil ? true : nil) {
            sql += "\nORDER BY \(dimensions.count + 1) \(descending ? "DESC" : "ASC") NULLS LAST"
            if !dimensions.isEmpty { sql += ", " + (1...dimensions.count).map(String.init).joined(separator: ", ") }
        } else if !dimensions.isEmpty {
            sql += "\nORDER BY " + (1...dimensions.count).map(String.init).joined(separator: ", ")
        }
        if let top = query.top { sql += "\nLIMIT \(top)" }
        return sql
    }

    /// The joins from `start` to `goal`, breadth first over the catalog's joins (either direction).
    static func joinPath(from start: String, to goal: String, catalog: SemanticCatalog) -> [(String, String)]? {
        var edges: [String: [(String, String)]] = [:]
        for table in catalog.tables {
            for join in table.joins {
                edges[table.name, default: []].append((join.to, join.on))
                edges[join.to, default: []].append((table.name, join.on))
            }
        }
        var previous: [String: (String, String)] = [:]
        var queue = [start]
        var seen: Set<String> = [start]
        while !queue.isEmpty {
            let current = queue.removeFirst()
            if current == goal { break }
            for (next, condition) in edges[current] ?? [] where seen.insert(next).inserted {
                previous[next] = (current, condition)
                queue.append(next)
            }
        }
        guard seen.contains(goal) else { return nil }
        var path: [(String, String)] = []
        var node = goal
        while node != start, let (from, condition) = previous[node] {
            path.insert((node, condition), at: 0)
            node = from
        }
        return path
    }

    /// `--where` may name dimensions; they become their SQL. Text inside
    /// quotes, names already qualified (`table.column`) and function names
    /// (`extract(month from …)`'s `month` stays) are left alone.
    static func substitute(_ filter: String, catalog: SemanticCatalog) -> String {
        let parts = filter.components(separatedBy: "'")
        let rewritten = parts.enumerated().map { n, part -> String in
            guard n % 2 == 0 else { return part } // inside a string literal
            var out = part
            for (_, field) in catalog.dimensions.sorted(by: { $0.field.name.count > $1.field.name.count }) {
                let pattern = "(?<![.\\w])" + NSRegularExpression.escapedPattern(for: field.name) + "(?![\\w(.])(?!\\s+from\\b)"
                guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { continue }
                out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out),
                                                     withTemplate: "(\(NSRegularExpression.escapedTemplate(for: field.sql)))")
            }
            return out
        }
        return rewritten.joined(separator: "'")
    }
}
