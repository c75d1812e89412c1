/// A ZIP member's modification time in the archive's MS-DOS format: local time without a time zone, to
/// two seconds, from 1980 through 2107.
///
/// The default, ``dosEpoch`` (1980-01-01 00:00:00), is what Keras writes for `config.json` and
/// `metadata.json`, and keeps archives byte-for-byte reproducible.
///
///     let stamp = try ZIPTimestamp(year: 2026, month: 12, day: 4, hour: 18, minute: 24, second: 52)
public struct ZIPTimestamp: Equatable, Hashable, Sendable {
    /// The MS-DOS date: `(year - 1980) << 9 | month << 5 | day`.
    public let dosDate: UInt16
    /// The MS-DOS time: `hour << 11 | minute << 5 | second / 2`.
    public let dosTime: UInt16

    /// 1980-01-01 00:00:00, the earliest time the format can store.
    public static let dosEpoch = ZIPTimestamp(dosDate: 1 << 5 | 1, dosTime: 0)

    private init(dosDate: UInt16, dosTime: UInt16) {
        self.dosDate = dosDate
        self.dosTime = dosTime
    }

    /// A time from its calendar fields; an odd `second` is rounded down, as the format stores two-second
    /// steps.
    ///
    /// - Parameters:
    ///   - year: 1980...2107.
    ///   - month: 1...12.
    ///   - day: 1...31.
    ///   - hour: 0...23.
    ///   - minute: 0...59.
    ///   - second: 0...59.
    /// - Throws: ``FileEncodingError/invalidValue(_:reason:)`` when a field is out of its range.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0)
        throws(FileEncodingError)
    {
        let fields = [
            ("year", year, 1980...2107), ("month", month, 1...12), ("day", day, 1...31), ("hour", hour, 0...23),
            ("minute", minute, 0...59), ("second", second, 0...59),
        ]
        for (name, value, range) in fields where !range.contains(value) {
            throw .invalidValue(
                "the ZIP timestamp's \(name)",
                reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        self.init(
            dosDate: UInt16((year - 1980) << 9 | month << 5 | day),
            dosTime: UInt16(hour << 11 | minute << 5 | second / 2))
    }
}
