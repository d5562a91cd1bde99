/// Whether a cron expression's day fields can ever match a calendar day, and
/// often enough for `CronSchedule.next` to find it within its horizon. Pure
/// calendar arithmetic (no time zone: a local day is a calendar day anywhere).
enum CronCalendar {
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]
    /// The longest each month gets (February in leap years).
    static let longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    /// Days in the Gregorian cycle of 400 years, after which weekdays and leap years repeat.
    static let cycleDays = 146_097

    /// Why `cron` never fires (or too rarely to be found), or nil when it does.
    static func whyNever(_ cron: CronExpression) -> String? {
        // Both day fields restricted (neither starts with `*`): either one
        // matching is enough (Vixie), and every weekday occurs in every month.
        guard cron.dayOfMonthStar || cron.dayOfWeekStar else { return nil }
        let months = cron.months.sorted()
        if !months.contains(where: { month in cron.daysOfMonth.contains { $0 <= longestMonth[month - 1] } }) {
            return impossibleDays(cron.daysOfMonth.sorted(), months: months)
        }
        // Every weekday: a valid day comes every year, or every 4 (8 across
        // 2100) for February 29, within the horizon. With fewer weekdays,
        // measure the longest wait over a whole 400-year cycle.
        guard cron.daysOfWeek.count < 7 else { return nil }
        // Days of one month falling on all seven weekdays (as `*` does) put
        // every weekday in that month every year; only sparser days need the walk.
        // (2001: a year without February 29.)
        if months.contains(where: { month in Set(cron.daysOfMonth.filter { $0 <= daysIn(month, 2001) }.map { $0 % 7 }).count == 7 }) {
            return nil
        }
        let gap = longestGap(cron)
        let horizon = 366 * CronSchedule.horizonYears
        guard gap >= horizon else { return nil }
        let years = Int((Double(gap) / 365.25).rounded())
        return "the days it names come round as little as once in \(years) years, "
            + "longer than the \(CronSchedule.horizonYears) years searched for a next time"
    }

    /// "day 30 never occurs in February", "days 30 and 31 never occur in February, April or June".
    static func impossibleDays(_ days: [Int], months: [Int]) -> String {
        let dayText = days.count == 1 ? "day \(days[0]) never occurs" : "days \(list(days.map(String.init), "and")) never occur"
        return "\(dayText) in \(list(months.map { monthNames[$0 - 1] }, "or"))"
    }

    private static func list(_ items: [String], _ conjunction: String) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
    }

    /// The most days between two matching days (wrapping round the 400-year
    /// cycle), or `Int.max` if no day matches. Walks the calendar by counting,
    /// starting on Saturday 2000-01-01.
    static func longestGap(_ cron: CronExpression) -> Int {
        let monthOK = (0...12).map { cron.months.contains($0) }
        let dayOK = (0...31).map { cron.daysOfMonth.contains($0) }
        let weekdayOK = (0...6).map { cron.daysOfWeek.contains($0) }
        var year = 2000, month = 1, day = 1, weekday = 6
        var first: Int?, last = 0, longest = 0
        for n in 0..<cycleDays {
            if monthOK[month] && dayOK[day] && weekdayOK[weekday] {
                if first == nil { first = n } else { longest = max(longest, n - last) }
                last = n
            }
            weekday = (weekday + 1) % 7
            day += 1
            if day > daysIn(month, year) {
                day = 1
                month += 1
                if month > 12 { month = 1; year += 1 }
            }
        }
        guard let first else { return Int.max }
        return max(longest, first + cycleDays - last)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        guard month == 2 else { return longestMonth[month - 1] }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return leap ? 29 : 28
    }
}
