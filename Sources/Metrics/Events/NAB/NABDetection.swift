/// A detector's output on one NAB file: the file and one anomaly score per row (NAB's
/// `anomaly_score` column, normally in [0, 1]).
public struct NABDetection: Sendable, Hashable {
    /// The file.
    public var series: NABSeries
    /// One anomaly score per row.
    public var anomalyScores: [Double]

    /// A detector's `anomalyScores` on `series`.
    public init(series: NABSeries, anomalyScores: [Double]) {
        self.series = series
        self.anomalyScores = anomalyScores
    }
}
