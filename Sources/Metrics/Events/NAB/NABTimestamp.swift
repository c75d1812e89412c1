/// NAB's timestamps, `YYYY-MM-DD HH:MM:SS` in the data files and `YYYY-MM-DD HH:MM:SS.ffffff` in the
/// label files, read as exact microseconds since 1970-01-01 (no time zone: NAB's are naive), so a
/// window bound matches a data row exactly as NAB requires.
///
/// ```swift
/// NABTimestamp.microseconds(from: "2014-04-10 07:15:00.000000") == NABTimestamp.microseconds(from: "2014-04-10 07:15:00")
/// // true
/// ```
public enum NABTimestamp {
    /// The microseconds since 1970-01-01 00:00:00 of `text`, or `nil` when it is not
    /// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1 to 6 digits (a `T` may replace the space).
    public static func microseconds(from text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard bytes[4] == 45, bytes[7] == 45, bytes[10] == 32 || bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction: Int64 = 0
        if bytes.count > 19 {
            let digits = bytes.count - 20
            guard bytes[19] == 46, (1...6).contains(digits), let value = number(20..<bytes.count) else { return nil }
            fraction = value
            for _ in digits..<6 { fraction *= 10 }
        }
        // Days from civil (H. Hinnant's algorithm), proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + fraction
    }

    /// The seconds since 1970-01-01 of `text` (see ``microseconds(from:)``), for lead times and rates.
    public static func seconds(from text: some StringProtocol) -> Double? {
        microseconds(from: text).map { Double($0) / 1_000_000 }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
