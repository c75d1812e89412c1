/// How a score is compared with a decision threshold: which side of it counts as positive.
///
/// Keras' threshold metrics (`Precision(thresholds=…)`, `BinaryAccuracy`) and most hand-written
/// detectors predict positive when `score > threshold`; scikit-learn's curves (`roc_curve`,
/// `precision_recall_curve`) put a sample at or above a threshold on the positive side, `score >= threshold`.
///
/// ```swift
/// let strict = try ConfusionMatrix(labels: [0, 1], scores: [0.2, 0.5], threshold: 0.5)
/// strict.truePositives   // 0: 0.5 is not > 0.5
/// let inclusive = try ConfusionMatrix(labels: [0, 1], scores: [0.2, 0.5], threshold: 0.5,
///                                     positiveWhen: .greaterThanOrEqual)
/// inclusive.truePositives   // 1
/// ```
public enum ScoreComparison: String, Sendable, Hashable, Codable, CaseIterable {
    /// Positive when `score > threshold` (Keras' threshold metrics).
    case greaterThan
    /// Positive when `score >= threshold` (scikit-learn's curve thresholds).
    case greaterThanOrEqual

    /// Whether `score` is on the positive side of `threshold`.
    public func isPositive<Score: BinaryFloatingPoint>(_ score: Score, threshold: Score) -> Bool {
        switch self {
        case .greaterThan: score > threshold
        case .greaterThanOrEqual: score >= threshold
        }
    }
}
