/// The median and quartiles of a set of lead times, computed like NumPy's default `np.percentile`
/// (linear interpolation between the closest ranks: the *q*-quantile of sorted `x` is at position
/// `q · (n - 1)`).
///
/// ```swift
/// let summary = LeadTimeSummary([4, 1, 10, 2])!
/// // lowerQuartile 1.75, median 3, upperQuartile 5.5
/// ```
public struct LeadTimeSummary: Sendable, Hashable {
    /// How many lead times were summarised.
    public var count: Int
    /// The smallest lead time.
    public var minimum: Double
    /// The 25th percentile.
    public var lowerQuartile: Double
    /// The 50th percentile.
    public var median: Double
    /// The 75th percentile.
    public var upperQuartile: Double
    /// The largest lead time.
    public var maximum: Double

    /// Summarises `values`, or returns `nil` when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let below = Int(position.rounded(.down))
            let above = Swift.min(below + 1, sorted.count - 1)
            let fraction = position - Double(below)
            return sorted[below] + (sorted[above] - sorted[below]) * fraction
        }
        count = sorted.count
        minimum = sorted[0]
        lowerQuartile = quantile(0.25)
        median = quantile(0.5)
        upperQuartile = quantile(0.75)
        maximum = sorted[sorted.count - 1]
    }
}
