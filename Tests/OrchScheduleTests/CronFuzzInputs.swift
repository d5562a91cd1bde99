import Foundation
import PropertyBased

/// A cron expression generated from the field grammar, with the sets of
/// values it means worked out by the generator itself, so that the tests
/// can check the parser and `next` against an independent reading.
struct GeneratedCron: Sendable, CustomStringConvertible {
    var text: String
    /// seconds, minutes, hours, days of month, months, days of week (0 = Sunday).
    var sets: [Set<Int>]
    var dayOfMonthStar: Bool
    var dayOfWeekStar: Bool
    var hasSeconds: Bool

    var description: String { text }

    /// Vixie cron: both day fields restricted means either may match.
    func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard sets[4].contains(month) else { return false }
        let dom = sets[3].contains(day), dow = sets[5].contains(weekday)
        return dayOfMonthStar || dayOfWeekStar ? dom && dow : dom || dow
    }
}

enum CronFuzzInputs {
    struct Field {
        var range: ClosedRange<Int>
        /// `*` stops here (day of week: 6, though 7 is accepted as Sunday).
        var starTop: Int
        var names: [String] = []
        var nameBase = 0
    }

    static let fields = [
        Field(range: 0...59, starTop: 59), Field(range: 0...59, starTop: 59), Field(range: 0...23, starTop: 23),
        Field(range: 1...31, starTop: 31),
        Field(range: 1...12, starTop: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], nameBase: 1),
        Field(range: 0...7, starTop: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ]
    static let macros: [(String, String)] = [("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
                                             ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
                                             ("@hourly", "0 * * * *")]

    /// One list item of `field`: its text and the values it stands for.
    static func item(_ field: Field, _ rng: inout any SeededRandomNumberGenerator) -> (String, [Int]) {
        func number(_ n: Int) -> String {
            let index = n - field.nameBase
            guard index >= 0, index < field.names.count, Bool.random(using: &rng) else { return String(n) }
            let name = field.names[index]
            return Bool.random(using: &rng) ? name.uppercased() : name
        }
        let lo = field.range.lowerBound, hi = field.range.upperBound
        let a = Int.random(in: field.range, using: &rng), b = Int.random(in: a...hi, using: &rng)
        let step = Int.random(in: 1...(Bool.random(using: &rng) ? 4 : 40), using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return ("*", Array(lo...field.starTop))
        case 1: return ("*/\(step)", Array(stride(from: lo, through: field.starTop, by: step)))
        case 2: return (number(a), [a])
        case 3: return ("\(number(a))-\(number(b))", Array(a...b))
        case 4: return ("\(number(a))-\(number(b))/\(step)", Array(stride(from: a, through: b, by: step)))
        default: return ("\(number(a))/\(step)", Array(stride(from: a, through: hi, by: step)))
        }
    }

    static func expression(seconds: Bool, _ rng: inout any SeededRandomNumberGenerator) -> GeneratedCron {
        var texts: [String] = [], sets: [Set<Int>] = []
        for (n, field) in fields.enumerated() {
            guard seconds || n > 0 else { texts.append("0"); sets.append([0]); continue }
            let items = (0..<Int.random(in: 1...3, using: &rng)).map { _ in item(field, &rng) }
            texts.append(items.map(\.0).joined(separator: ","))
            sets.append(Set(items.flatMap(\.1).map { n == 5 ? $0 % 7 : $0 }))
        }
        let text = (seconds ? texts : Array(texts.dropFirst())).joined(separator: Bool.random(using: &rng) ? " " : "  \t")
        return GeneratedCron(text: text, sets: sets, dayOfMonthStar: texts[3].hasPrefix("*"),
                             dayOfWeekStar: texts[5].hasPrefix("*"), hasSeconds: seconds)
    }

    /// Five-field expressions, now and then a macro.
    static let fiveFields = Generator(run: { rng -> GeneratedCron in
        if Int.random(in: 0..<10, using: &rng) == 0 {
            let (macro, expanded) = macros[Int.random(in: 0..<macros.count, using: &rng)]
            var parsed = parse(expanded)
            parsed.text = Bool.random(using: &rng) ? macro : macro.uppercased()
            return parsed
        }
        return expression(seconds: false, &rng)
    })

    static let sixFields = Generator(run: { rng in expression(seconds: true, &rng) })

    /// Either kind.
    static let anyFields = Generator(run: { rng in expression(seconds: Bool.random(using: &rng), &rng) })

    /// The generated form of a plain five-field expression of numbers and `*`.
    static func parse(_ text: String) -> GeneratedCron {
        let parts = ["0"] + text.split(separator: " ").map(String.init)
        let sets = zip(parts, fields).map { part, field in
            part == "*" ? Set(field.range.lowerBound...field.starTop) : Set([Int(part) ?? 0])
        }
        return GeneratedCron(text: text, sets: sets, dayOfMonthStar: parts[3] == "*", dayOfWeekStar: parts[5] == "*", hasSeconds: false)
    }

    /// Token soups that are mostly not cron at all.
    static let garbage = Generator(run: { rng -> String in
        let tokens = ["*", "/", "-", ",", " ", "\t", "  ", "0", "5", "7", "12", "23", "31", "59", "60", "99", "-1", "+3",
                      "99999999999999999999", "9223372036854775807", "jan", "MON", "sun", "foo", "@", "@daily", "@weekly2",
                      "?", "L", "W", "#", "é", "🙂", "\u{0}", "１", "٣", "0x10", "1e3", "*/0", "*/-1", "5-", "-5", "1,,2"]
        return (0..<Int.random(in: 0...14, using: &rng)).map { _ in tokens[Int.random(in: 0..<tokens.count, using: &rng)] }.joined()
    })

    static let zones = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]

    /// A start time in 2000–2090, half of the time within days of a March,
    /// April, October or November daylight-saving change.
    static let startDate = Generator(run: { rng -> Date in
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = .gmt
        let year = Int.random(in: 2000...2090, using: &rng)
        let month = Bool.random(using: &rng) ? [3, 4, 10, 11][Int.random(in: 0..<4, using: &rng)] : Int.random(in: 1...12, using: &rng)
        let components = DateComponents(year: year, month: month, day: Int.random(in: 1...28, using: &rng),
                                        hour: Int.random(in: 0...23, using: &rng), minute: Int.random(in: 0...59, using: &rng),
                                        second: Int.random(in: 0...59, using: &rng))
        return utc.date(from: components) ?? Date(timeIntervalSince1970: 0)
    })
}
