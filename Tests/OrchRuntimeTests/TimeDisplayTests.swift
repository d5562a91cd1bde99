import Foundation
import Testing
@testable import OrchRuntime

/// `TimeDisplay.clock` is arithmetic (progress prints two per task); it must
/// read exactly as the formatter would, in every zone, before and after
/// 1970, across DST changes.
@Suite("time display")
struct TimeDisplayTests {
    @Test("clock equals the formatter's HH:mm:ss", arguments: ["UTC", "Asia/Tokyo", "Europe/Berlin", "America/New_York",
                                                             "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"])
    func clockMatchesFormatter(zone: String) throws {
        let time = TimeDisplay(timeZone: try #require(TimeZone(identifier: zone)))
        // One formatter for all 2,000 dates (`wallClock` makes one per call: ICU's setup dominated the suite's CPU).
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = time.timeZone
        formatter.dateFormat = "HH:mm:ss"
        var state: UInt64 = 0x5DEE_CE66
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // 1901 … 2100, with fractions of a second.
            let seconds = Double(Int64(bitPattern: state >> 1) % 6_311_390_400) - 2_177_452_800 + Double(state % 1000) / 1000
            let date = Date(timeIntervalSince1970: seconds)
            #expect(time.clock(date) == formatter.string(from: date), "\(zone) \(seconds)")
        }
    }
}
