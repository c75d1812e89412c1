/// One NAB data file as the scorer sees it: its name, its number of rows, and its labelled anomaly
/// windows as row ranges (both ends inclusive, in order, not overlapping).
///
/// ```swift
/// let series = try NABSeries(name: "realKnownCause/nyc_taxi.csv", rowCount: 10_320, windows: [5_839...6_354])
/// ```
public struct NABSeries: Sendable, Hashable {
    /// The file's path relative to NAB's `data/` folder, such as `"realKnownCause/nyc_taxi.csv"`.
    public var name: String
    /// The number of rows.
    public let rowCount: Int
    /// The windows, as row ranges.
    public let windows: [ClosedRange<Int>]

    /// A series of `rowCount` rows with the given windows.
    ///
    /// - Throws: ``NABError/invalidWindow(series:index:reason:)`` when a window leaves the rows or starts at
    ///   or before the end of the window before it (NAB's windows never overlap).
    public init(name: String, rowCount: Int, windows: [ClosedRange<Int>]) throws(NABError) {
        guard rowCount >= 0 else { throw .invalidParameter("\(name): row count \(rowCount) is negative") }
        for (index, window) in windows.enumerated() {
            guard window.lowerBound >= 0, window.upperBound < rowCount else {
                throw .invalidWindow(series: name, index: index, reason: "rows \(window) are outside 0..<\(rowCount)")
            }
            if index > 0, window.lowerBound <= windows[index - 1].upperBound {
                throw .invalidWindow(
                    series: name, index: index, reason: "rows \(window) overlap or precede window \(index - 1)")
            }
        }
        self.name = name
        self.rowCount = rowCount
        self.windows = windows
    }

    /// NAB's probation period: the first `min(floor(percent · rowCount), percent · 5000)` rows, which
    /// are not scored (NAB's `Sweeper._getProbationaryLength`; with the default 15% that is at most 750 rows).
    public func probationLength(percent: Double = 0.15) -> Double {
        Swift.min((percent * Double(rowCount)).rounded(.down), percent * 5000)
    }
}
