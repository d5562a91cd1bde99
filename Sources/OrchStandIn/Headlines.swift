import OrchSampleData
import OrchRandom

/// Generated business headlines: plausible, varied, some about bitcoin and crypto.
enum Headlines {
    static let sources: [(String?, String)] = [("bbc-news", "BBC News"), ("cnn", "CNN"), ("reuters", "Reuters"),
                                               (nil, "Bloomberg"), ("the-wall-street-journal", "The Wall Street Journal"),
                                               (nil, "Financial Times"), ("cnbc", "CNBC")]
    static let companies = ["Acme Corp", "Globex", "Initech", "Umbrella Group", "Stark Industries", "Wayne Enterprises",
                            "Hooli", "Vandelay Imports", "Soylent", "Cyberdyne", "Tyrell", "Wonka Industries"]
    static let verbs = ["beats forecasts as", "cuts jobs after", "shares jump as", "shares slide after", "expands into Europe as",
                        "raises guidance while", "faces probe after", "announces buyback as"]
    static let topics = ["quarterly profit rises", "consumer demand cools", "supply chains recover", "rates stay high",
                         "holiday sales surge", "costs climb", "new CEO takes over", "regulators step in"]
    static let crypto = ["Bitcoin rallies past key level as investors pile in", "Crypto exchanges brace for new rules",
                         "Bitcoin slips as traders take profits", "Banks test crypto custody services",
                         "Bitcoin ETF inflows hit record", "Crypto lender halts withdrawals"]
    static let authors = ["Jane Doe", "John Smith", "Alex Chen", "Maria Garcia", "Sam Patel", "Staff"]

    struct Headline {
        var sourceID: String?
        var source: String
        var author: String
        var title: String
        var description: String
        var slug: String
    }

    static func make(_ rng: inout SeededRandom, number: Int) -> Headline {
        let (sourceID, source) = sources[rng.int(0...(sources.count - 1))]
        let title: String
        let description: String
        if rng.unit() < 0.25 {
            title = crypto[rng.int(0...(crypto.count - 1))]
            description = "Markets watched bitcoin and other cryptocurrencies closely on the day."
        } else {
            let company = companies[rng.int(0...(companies.count - 1))]
            title = "\(company) \(verbs[rng.int(0...(verbs.count - 1))]) \(topics[rng.int(0...(topics.count - 1))])"
            description = "Analysts said \(company) results would set the tone for the sector this quarter."
        }
        let slug = String(title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(48))
        return Headline(sourceID: sourceID, source: source, author: authors[rng.int(0...(authors.count - 1))],
                        title: title, description: description, slug: slug)
    }
}
