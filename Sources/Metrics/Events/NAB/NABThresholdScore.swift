/// The NAB score of a detector at one threshold (NAB's `ThresholdScore`): the raw score and the row
/// counts (a row is detected when its anomaly score is at least the threshold; probation rows are left out).
public struct NABThresholdScore: Sendable, Hashable {
    /// The threshold: rows with an anomaly score `>= threshold` are detections.
    public var threshold: Double
    /// The raw (unnormalised) NAB score.
    public var score: Double
    /// Detected rows inside a window.
    public var truePositives: Int
    /// Undetected rows outside every window.
    public var trueNegatives: Int
    /// Detected rows outside every window.
    public var falsePositives: Int
    /// Undetected rows inside a window.
    public var falseNegatives: Int
    /// All scored rows.
    public var total: Int { truePositives + trueNegatives + falsePositives + falseNegatives }
}
