/// The fixed vocabulary of the sample data: categories, their weights,
/// their number of SKUs, coupons and taxes (the real data set's shape).
enum Catalog {
    struct Category {
        var name: String
        /// Share of sales lines.
        var weight: Double
        var skus: Int
        var brand: String
        var nouns: [String]
        /// Typical price in cents (lognormal median).
        var medianPrice: Int
        var gst: String
        /// Coupon code prefix, or nil when the category has no coupons.
        var couponPrefix: String?
    }

    static let categories: [Category] = [
        .init(name: "Nest-USA", weight: 14.0, skus: 25, brand: "Nest", nouns: ["Learning Thermostat", "Protect Smoke + CO", "Cam Indoor", "Cam Outdoor", "Secure Alarm", "Hello Doorbell"], medianPrice: 12_400, gst: "0.1", couponPrefix: "ELEC"),
        .init(name: "Office", weight: 6.5, skus: 170, brand: "Google", nouns: ["Pen", "Highlighter", "Sticky Notes", "Lanyard", "Badge Holder", "Pencil Set", "Desk Mat", "Stylus"], medianPrice: 300, gst: "0.1", couponPrefix: "OFF"),
        .init(name: "Apparel", weight: 18.0, skus: 350, brand: "Google", nouns: ["Tee", "Hoodie", "Zip Jacket", "Polo", "Long Sleeve Tee", "Pullover", "Vest", "Tank"], medianPrice: 1_900, gst: "0.18", couponPrefix: "SALE"),
        .init(name: "Bags", weight: 1.9, skus: 70, brand: "Google", nouns: ["Tote", "Shopper", "Duffel", "Messenger Bag", "Sling"], medianPrice: 2_200, gst: "0.18", couponPrefix: "AIO"),
        .init(name: "Drinkware", weight: 3.5, skus: 110, brand: "Google", nouns: ["Mug", "Tumbler", "Water Bottle", "Travel Mug", "Glass"], medianPrice: 900, gst: "0.18", couponPrefix: "EXTRA"),
        .init(name: "Lifestyle", weight: 3.0, skus: 95, brand: "Google", nouns: ["Sunglasses", "Umbrella", "Keychain", "Yoga Mat", "Blanket", "Luggage Tag"], medianPrice: 700, gst: "0.18", couponPrefix: "NE"),
        .init(name: "Notebooks & Journals", weight: 0.75, skus: 40, brand: "Google", nouns: ["Notebook", "Journal", "Sketchbook"], medianPrice: 900, gst: "0.05", couponPrefix: "NJ"),
        .init(name: "Headgear", weight: 0.77, skus: 45, brand: "Google", nouns: ["Cap", "Beanie", "Bucket Hat", "Visor"], medianPrice: 1_600, gst: "0.18", couponPrefix: "HGEAR"),
        .init(name: "Waze", weight: 0.55, skus: 30, brand: "Waze", nouns: ["Sticker Set", "Mug", "Tee", "Car Charger"], medianPrice: 700, gst: "0.18", couponPrefix: "WEMP"),
        .init(name: "Fun", weight: 0.16, skus: 20, brand: "YouTube", nouns: ["Plush Toy", "Puzzle", "Foam Dice"], medianPrice: 600, gst: "0.18", couponPrefix: "FUN"),
        .init(name: "Nest-Canada", weight: 0.3, skus: 15, brand: "Nest", nouns: ["Learning Thermostat CA", "Protect CA", "Cam IQ CA"], medianPrice: 14_000, gst: "0.1", couponPrefix: "NCA"),
        .init(name: "Backpacks", weight: 0.09, skus: 12, brand: "Google", nouns: ["Backpack", "Laptop Backpack", "Rucksack"], medianPrice: 6_000, gst: "0.18", couponPrefix: "BP"),
        .init(name: "Google", weight: 0.1, skus: 25, brand: "Google", nouns: ["Decal", "Magnet", "Pin", "Patch"], medianPrice: 400, gst: "0.1", couponPrefix: "GOOG"),
        .init(name: "Gift Cards", weight: 0.16, skus: 10, brand: "Google", nouns: ["Gift Card"], medianPrice: 5_000, gst: "0.05", couponPrefix: nil),
        .init(name: "Housewares", weight: 0.12, skus: 22, brand: "Google", nouns: ["Cutting Board", "Bottle Opener", "Coaster Set", "Candle"], medianPrice: 1_000, gst: "0.12", couponPrefix: "HOME"),
        .init(name: "Android", weight: 0.04, skus: 20, brand: "Android", nouns: ["Figure", "Pin", "Sticker", "Tee"], medianPrice: 800, gst: "0.1", couponPrefix: nil),
        .init(name: "Accessories", weight: 0.23, skus: 30, brand: "Google", nouns: ["Phone Case", "Cable Organizer", "Power Bank", "Earbuds"], medianPrice: 1_500, gst: "0.12", couponPrefix: "ACC"),
        .init(name: "More Bags", weight: 0.046, skus: 8, brand: "Google", nouns: ["Pouch", "Lunch Bag"], medianPrice: 1_800, gst: "0.18", couponPrefix: nil),
        .init(name: "Nest", weight: 2.0, skus: 18, brand: "Nest", nouns: ["Wifi Router", "Mini Speaker", "Thermostat E"], medianPrice: 9_900, gst: "0.1", couponPrefix: "ELEC"),
        .init(name: "Bottles", weight: 0.27, skus: 30, brand: "Google", nouns: ["Bottle", "Insulated Bottle", "Sport Bottle"], medianPrice: 1_100, gst: "0.12", couponPrefix: "BT"),
    ]

    static let adjectives = ["Black", "White", "Blue", "Navy", "Red", "Green", "Grey", "Charcoal", "Classic",
                             "Eco", "Premium", "Heather", "Bold", "Vintage", "Light", "Dark"]

    static let locations: [(String, Double)] = [("Chicago", 0.31), ("California", 0.31), ("New York", 0.22),
                                                ("New Jersey", 0.09), ("Washington DC", 0.07)]

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let daysInMonth2019 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// `M/D/2019` for a day of the year (0-based).
    static func date(dayOfYear: Int) -> (month: Int, day: Int) {
        var d = dayOfYear
        for (m, n) in daysInMonth2019.enumerated() {
            if d < n { return (m + 1, d + 1) }
            d -= n
        }
        return (12, 31)
    }
}
