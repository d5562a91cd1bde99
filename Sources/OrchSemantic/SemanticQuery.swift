import Foundation
import OrchSpec

/// A question resolved against the catalog: which metrics, by which
/// dimensions, over which period, how ordered.
public struct SemanticQuery: Sendable {
    public enum Period: Sendable, Hashable {
        /// Relative to the newest date in the base table (the data's "now"), never the clock.
        case lastMonth, lastQuarter, lastYear, lastDays(Int), recent
    }

    public var metrics: [String] = []
    public var dimensions: [String] = []
    public var period: Period?
    /// Quarters named in the question (`Q3 vs Q4`).
    public var quarters: [Int] = []
    public var filter: String?
    public var top: Int?
    public var descending: Bool?

    public init() {}
}

public struct QueryError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Reads questions like `revenue by month`, `top 10 customers by revenue`,
/// `how many customers are in each segment`, `total sales last month`.
public enum QuestionParser {
    static let fillers: Set<String> = ["what", "whats", "what's", "is", "are", "was", "the", "show", "me", "of", "give", "list",
                                       "how", "many", "much", "in", "each", "a", "an", "for", "and", "vs", "versus", "by",
                                       "per", "which", "across", "with", "to", "do", "does", "our", "all", "compare", "between", "have", "has",
                                       "had", "there", "were", "be", "been", "get", "got", "did", "from", "on", "at"]

    public static func parse(_ question: String, catalog: SemanticCatalog) throws -> SemanticQuery {
        var words = question.lowercased()
            .replacingOccurrences(of: "?", with: " ").replacingOccurrences(of: ",", with: " ")
            .split(whereSeparator: { $0.isWhitespace }).map(String.init)
        var query = SemanticQuery()
        let metricNames = Set(catalog.metrics.map(\.field.name)), dimensionNames = Set(catalog.dimensions.map(\.field.name))
        // Phrases of up to 4 words: aliases and names ("average order value", "product_category", "product category").
        var lookup: [String: String] = [:]
        for name in metricNames.union(dimensionNames) {
            lookup[name] = name
            lookup[name.replacingOccurrences(of: "_", with: " ")] = name
        }
        for (alias, target) in catalog.aliases { lookup[alias] = target }

        var i = 0
        var rankedEntity = false
        while i < words.count {
            let w = words[i]
            // Time phrases.
            if w == "last" || w == "past", i + 1 < words.count {
                let next = words[i + 1]
                if isNumber(next), i + 2 < words.count, words[i + 2].hasPrefix("day") {
                    query.period = .lastDays(try count(next, in: "\(w) \(next) days", what: "the number of days", max: maxDays))
                    i += 3
                    continue
                }
                switch next {
                case "month": query.period = .lastMonth; i += 2; continue
                case "quarter": query.period = .lastQuarter; i += 2; continue
                case "year": query.period = .lastYear; i += 2; continue
                case "week": query.period = .lastDays(7); i += 2; continue
                default: break
                }
            }
            if ["recent", "recently", "latest"].contains(w) && lookup[w] == nil { query.period = .recent; i += 1; continue }
            if w.count == 2, w.first == "q", let n = Int(String(w.last!)), (1...4).contains(n) { query.quarters.append(n); i += 1; continue }
            if ["top", "bottom"].contains(w) {
                query.descending = w == "top"
                if i + 1 < words.count, isNumber(words[i + 1]) {
                    query.top = try count(words[i + 1], in: "\(w) \(words[i + 1])", what: "the count", max: maxTop)
                    i += 2
                } else {
                    query.top = 10
                    i += 1
                }
                rankedEntity = true
                continue
            }
            if ["most", "highest", "best", "largest", "biggest"].contains(w) { query.descending = true; i += 1; continue }
            if ["least", "lowest", "worst", "smallest"].contains(w) { query.descending = false; i += 1; continue }
            // The longest phrase that names something.
            var matched: (String, Int)?
            for length in stride(from: min(4, words.count - i), through: 1, by: -1) {
                let phrase = words[i..<(i + length)].joined(separator: " ")
                let candidates = [phrase, singular(phrase)]
                // Right after "top N", the ranked entity is a dimension: "top 10 customers" means the customer dimension.
                if rankedEntity, let dim = candidates.lazy.compactMap({ lookup[$0] }).first(where: { dimensionNames.contains($0) })
                    ?? candidates.lazy.compactMap({ c in dimensionNames.first { $0 == c || $0 == c.replacingOccurrences(of: " ", with: "_") } }).first {
                    matched = (dim, length)
                    break
                }
                if let name = candidates.lazy.compactMap({ lookup[$0] }).first { matched = (name, length); break }
            }
            rankedEntity = false
            if let (name, length) = matched {
                if metricNames.contains(name) { if !query.metrics.contains(name) { query.metrics.append(name) } }
                else if !query.dimensions.contains(name) { query.dimensions.append(name) }
                i += length
                continue
            }
            if fillers.contains(w) { i += 1; continue }
            if isNumber(w) {
                throw QueryError("`\(w)`: a number is understood only in `top N`, `bottom N` or `last N days`; "
                                 + "to filter on a value use --where (e.g. --where \"year = \(w)\")")
            }
            let known = Array(lookup.keys)
            // The distance table is word × name: a word past the suggestion limit gets none.
            let near = w.count > KeySuggestion.maxLength ? []
                : known.map { ($0, KeySuggestion.distance(w, $0)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(5).map(\.0)
            throw QueryError("`\(w)` is not a metric, dimension or alias in the catalog."
                             + (near.isEmpty ? " " : " Nearest: \(near.joined(separator: ", ")). ") + "`orch query --list` shows them all.")
        }
        if !query.quarters.isEmpty, dimensionNames.contains("quarter"), !query.dimensions.contains("quarter") {
            query.dimensions.append("quarter")
        }
        if query.metrics.isEmpty {
            throw QueryError("the question names no metric; metrics: " + catalog.metrics.map(\.field.name).sorted().joined(separator: ", "))
        }
        words.removeAll()
        return query
    }

    /// `top N` and `last N days` take 1 up to these: a LIMIT or a period
    /// past them is a typo (or a number too long to read), not a question.
    public static let maxTop = 1_000_000
    public static let maxDays = 36_525

    /// Digits with an optional sign: a number, however long (`Int` gives up past 19 digits).
    static func isNumber(_ word: String) -> Bool {
        let digits = word.first == "-" || word.first == "+" ? word.dropFirst() : Substring(word)
        return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The count in `phrase`, checked to lie in 1...`max`.
    static func count(_ word: String, in phrase: String, what: String, max: Int) throws -> Int {
        guard let n = Int(word), n <= max else {
            throw QueryError("`\(phrase)`: \(what) must be at most \(max)")
        }
        guard n >= 1 else { throw QueryError("`\(phrase)`: \(what) must be at least 1") }
        return n
    }

    static func singular(_ phrase: String) -> String {
        if phrase.hasSuffix("ies") { return String(phrase.dropLast(3)) + "y" }
        if phrase.hasSuffix("s") && !phrase.hasSuffix("ss") { return String(phrase.dropLast()) }
        return phrase
    }
}
