/// A cron expression: 5 fields (minute hour day-of-month month day-of-week)
/// or 6 (seconds first), with lists, ranges, steps, month and weekday names,
/// and the macros @yearly @annually @monthly @weekly @daily @midnight @hourly.
/// Day-of-month and day-of-week combine as Debian's (Vixie) cron does.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let seconds: Set<Int>
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday (7 is read as 0).
    public let daysOfWeek: Set<Int>
    /// The field began with `*` (`*`, `*/2`): Vixie cron then ANDs the day fields instead of ORing them.
    public let dayOfMonthStar: Bool
    public let dayOfWeekStar: Bool
    /// Minute or hour began with `*`: such jobs follow the wall clock through DST
    /// changes; the others ("fixed-time") run once per day across them.
    public let isWildcard: Bool
    public let description: String

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let macros = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
                         "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]

    /// - Throws: `CronError` saying which field is wrong and why.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        description = trimmed
        var expression = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.macros[trimmed.lowercased()] else {
                throw CronError("unknown macro `\(trimmed)`; use one of " + Self.macros.keys.sorted().joined(separator: ", "))
            }
            expression = expanded
        }
        var fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw CronError("`\(trimmed)` has \(fields.count) field(s); cron needs 5 (minute hour day month weekday) or 6 (seconds first)")
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        seconds = try Self.field(fields[0], name: "seconds", range: 0...59)
        minutes = try Self.field(fields[1], name: "minute", range: 0...59)
        hours = try Self.field(fields[2], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(fields[3], name: "day of month", range: 1...31)
        months = try Self.field(fields[4], name: "month", range: 1...12, names: Self.monthNames, nameBase: 1)
        daysOfWeek = Set(try Self.field(fields[5], name: "day of week", range: 0...7, names: Self.dayNames, nameBase: 0).map { $0 % 7 })
        dayOfMonthStar = fields[3].hasPrefix("*")
        dayOfWeekStar = fields[5].hasPrefix("*")
        isWildcard = fields[1].hasPrefix("*") || fields[2].hasPrefix("*")
        if let reason = CronCalendar.whyNever(self) {
            throw CronError("`\(trimmed)` can never fire: \(reason)")
        }
    }

    /// Whether a calendar day matches (month and the Vixie day rule).
    public func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let dom = daysOfMonth.contains(day), dow = daysOfWeek.contains(weekday)
        return dayOfMonthStar || dayOfWeekStar ? dom && dow : dom || dow
    }

    static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0) throws -> Set<Int> {
        var values = Set<Int>()
        for part in text.lowercased().split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !part.isEmpty else { throw CronError("empty item in the \(name) field `\(text)`") }
            var body = part
            var step = 1
            if let slash = part.firstIndex(of: "/") {
                body = String(part[..<slash])
                guard let s = digits(part[part.index(after: slash)...]), s > 0 else {
                    throw CronError("bad step in the \(name) field `\(part)`: use a positive number after `/`")
                }
                step = s
            }
            func value(_ s: String) throws -> Int {
                if let n = digits(s[...]) { return n }
                if let i = names.firstIndex(of: s) { return i + nameBase }
                throw CronError("`\(s)` is not a valid \(name)" + (names.isEmpty ? "" : " (names: \(names.joined(separator: " ")))"))
            }
            let lower: Int, upper: Int
            if body == "*" {
                (lower, upper) = (range.lowerBound, name == "day of week" ? 6 : range.upperBound)
            } else if let dash = body.firstIndex(of: "-") {
                lower = try value(String(body[..<dash]))
                upper = try value(String(body[body.index(after: dash)...]))
            } else {
                lower = try value(body)
                // `5/15` means from 5 to the end, every 15.
                upper = part.contains("/") ? range.upperBound : lower
            }
            guard range.contains(lower), range.contains(upper), lower <= upper else {
                throw CronError("\(name) `\(part)` is outside \(range.lowerBound)-\(range.upperBound) or backwards")
            }
            values.formUnion(stride(from: lower, through: upper, by: step))
        }
        return values
    }

    /// A number written with digits only: `Int` alone would also take `+5`,
    /// which cron does not; too many digits for an Int is nil, not a trap.
    static func digits(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(s)
    }
}

public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

import Foundation
