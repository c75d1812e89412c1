import Foundation

/// How unusual a stream's recent anomaly scores are against its own longer past: Numenta's *anomaly
/// likelihood* (the HTM detector of the Numenta Anomaly Benchmark), for any raw score such as a
/// reconstruction error.
///
/// Every score added updates two rolling windows:
/// - the short-term **average** `a`: the mean of the last ``averagingWindow`` scores (of all of them
///   while fewer have been added);
/// - the **history**: the last ``historyLength`` short-term averages *before* this one, with their mean `μ`
///   and population standard deviation `σ` (at least ``minimumDeviation``).
///
/// The reading compares the two, `z = (a − μ) / σ`, and its ``Reading/likelihood`` is `Φ(z)`, the normal
/// CDF (one-sided: a score far *below* its past is not unusual for a reconstruction error). While the
/// history holds fewer than ``minimumHistory`` averages there is no reading. The raw scores' scale does not
/// matter, so one threshold on `z` or on the likelihood suits streams whose errors differ by orders of
/// magnitude.
///
/// ```swift
/// var likelihood = try AnomalyLikelihood(averagingWindow: 10, historyLength: 8_640)
/// for row in rows {
///     guard let error = try monitor.push(row).score else { continue }
///     if let reading = try likelihood.add(Double(error)), reading.standardScore > 5 { print("unusual") }
/// }
/// ```
///
/// Each ``add(_:)`` costs O(``averagingWindow``) and allocates nothing; the history's sums are
/// recomputed exactly every ``historyLength`` additions, so rounding does not drift over long streams.
public struct AnomalyLikelihood: Sendable, Equatable {
    /// Scores in the short-term average (Numenta: 10).
    public let averagingWindow: Int
    /// Short-term averages in the history (Numenta: 8,640, a month of 5-minute rows).
    public let historyLength: Int
    /// Averages the history needs before ``add(_:)`` gives a reading.
    public let minimumHistory: Int
    /// The smallest standard deviation used, so that a constant history does not divide by zero.
    public let minimumDeviation: Double

    /// A reading: the short-term average against the history's mean and deviation.
    public struct Reading: Sendable, Equatable {
        /// The mean of the last ``AnomalyLikelihood/averagingWindow`` scores.
        public var average: Double
        /// The mean of the history's averages (before this one).
        public var mean: Double
        /// Their population standard deviation, at least ``AnomalyLikelihood/minimumDeviation``.
        public var deviation: Double

        /// Creates a reading.
        public init(average: Double, mean: Double, deviation: Double) {
            (self.average, self.mean, self.deviation) = (average, mean, deviation)
        }

        /// `z = (average − mean) / deviation`: how many deviations the recent average is above the past.
        public var standardScore: Double { (average - mean) / deviation }

        /// `Φ(z)`, in [0, 1]: near 1 when the recent scores are unusually high. It rounds to exactly 1
        /// from `z ≈ 8.3`; compare ``standardScore`` to tell such readings apart.
        public var likelihood: Double { 0.5 * erfc(-standardScore / 2.0.squareRoot()) }
    }

    private var recent: [Double]
    private var added = 0
    private var history: [Double]
    private var averages = 0
    private var sum = 0.0
    private var squares = 0.0

    /// Creates an empty likelihood.
    ///
    /// - Parameters:
    ///   - averagingWindow: Scores in the short-term average (10 by default, as Numenta).
    ///   - historyLength: Averages in the history (8,640 by default, as Numenta).
    ///   - minimumHistory: Averages needed before the first reading (100 by default); at most
    ///     `historyLength`.
    ///   - minimumDeviation: The smallest standard deviation used (10⁻⁶ by default).
    /// - Throws: ``MonitoringError/invalidSetting(setting:value:expected:)`` unless
    ///   `1 ≤ averagingWindow`, `1 ≤ minimumHistory ≤ historyLength` and `minimumDeviation` is positive and
    ///   finite.
    public init(
        averagingWindow: Int = 10, historyLength: Int = 8_640, minimumHistory: Int = 100,
        minimumDeviation: Double = 1e-6
    ) throws(MonitoringError) {
        guard averagingWindow >= 1 else {
            throw .invalidSetting(setting: "averaging window", value: "\(averagingWindow)", expected: "at least 1")
        }
        guard historyLength >= 1 else {
            throw .invalidSetting(setting: "history length", value: "\(historyLength)", expected: "at least 1")
        }
        guard (1...historyLength).contains(minimumHistory) else {
            throw .invalidSetting(
                setting: "minimum history", value: "\(minimumHistory)",
                expected: "1 to the history length \(historyLength)")
        }
        guard minimumDeviation.isFinite, minimumDeviation > 0 else {
            throw .invalidSetting(
                setting: "minimum deviation", value: "\(minimumDeviation)", expected: "a positive finite number")
        }
        (self.averagingWindow, self.historyLength) = (averagingWindow, historyLength)
        (self.minimumHistory, self.minimumDeviation) = (minimumHistory, minimumDeviation)
        recent = [Double](repeating: 0, count: averagingWindow)
        history = [Double](repeating: 0, count: historyLength)
    }

    /// Averages in the history now (at most ``historyLength``).
    public var historyCount: Int { Swift.min(averages, historyLength) }

    /// Adds the stream's next score and returns its reading: the new short-term average against the
    /// history so far (`nil` while the history holds fewer than ``minimumHistory`` averages). The average
    /// then joins the history.
    ///
    /// - Throws: ``MonitoringError/nonFiniteScore(_:)`` for NaN or an infinity; the state is unchanged.
    public mutating func add(_ score: Double) throws(MonitoringError) -> Reading? {
        guard score.isFinite else { throw .nonFiniteScore(score) }
        recent[added % averagingWindow] = score
        added += 1
        let held = Swift.min(added, averagingWindow)
        var total = 0.0
        for i in 0..<held { total += recent[i] }
        let average = total / Double(held)

        var reading: Reading?
        let count = historyCount
        if count >= minimumHistory {
            let n = Double(count)
            let mean = sum / n
            let variance = Swift.max((squares - sum * mean) / n, 0)
            reading = Reading(
                average: average, mean: mean, deviation: Swift.max(variance.squareRoot(), minimumDeviation))
        }

        let slot = averages % historyLength
        if averages >= historyLength {
            let old = history[slot]
            sum -= old
            squares -= old * old
        }
        history[slot] = average
        sum += average
        squares += average * average
        averages += 1
        if averages % historyLength == 0 {
            // Exact sums once per pass over the ring, so that adding and subtracting does not drift.
            (sum, squares) = (0, 0)
            for value in history {
                sum += value
                squares += value * value
            }
        }
        return reading
    }
}
