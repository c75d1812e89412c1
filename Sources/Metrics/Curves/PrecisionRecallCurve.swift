/// Precision and recall at every distinct score threshold, with scikit-learn's semantics.
///
/// `thresholds` are the distinct scores in increasing order; a sample is positive when
/// `score >= threshold`. `precision` and `recall` have one more entry than `thresholds`: the last pair
/// is `(1, 0)`, the point with no positive prediction, so the curve ends on the precision axis.
public struct PrecisionRecallCurve: Sendable, Hashable {
    /// Precision at each threshold, then 1.
    public var precision: [Double]
    /// Recall at each threshold (decreasing), then 0.
    public var recall: [Double]
    /// The distinct scores, increasing (as `Double`s, like scikit-learn's float64 thresholds; `Float`
    /// scores convert exactly).
    public var thresholds: [Double]

    /// Computes the curve of `scores` (higher = more likely positive) against 0/1 `labels`.
    ///
    /// Scores may be `Float` or `Double` (any `BinaryFloatingPoint`) and are compared without
    /// rounding, as scikit-learn compares float64.
    ///
    /// With `dropIntermediate` (sklearn ≥ 1.3's option, off by default as there), thresholds whose
    /// true-positive count equals both neighbours' are dropped: they only add vertical segments.
    ///
    /// ```swift
    /// let curve = try PrecisionRecallCurve(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8])
    /// // curve.thresholds == [0.1, 0.35, 0.4, 0.8], curve.precision == [0.5, 0.667, 0.5, 1, 1]
    /// ```
    ///
    /// - Throws: ``MetricsError/singleClass(present:metric:)`` when no label is 1 (sklearn warns and sets
    ///   recall to 1), and ``MetricsError`` for malformed input.
    public init<Score: BinaryFloatingPoint>(
        labels: [Int], scores: [Score], dropIntermediate: Bool = false
    ) throws(MetricsError) {
        var counts = try ThresholdCounts(labels: labels, scores: scores)
        if counts.truePositives.last == 0 { throw .singleClass(present: 0, metric: "the precision-recall curve") }
        if dropIntermediate && counts.thresholds.count > 2 {
            let tps = counts.truePositives
            counts.keep(
                tps.indices.filter { i in
                    i == 0 || i == tps.count - 1 || tps[i] != tps[i - 1] || tps[i + 1] != tps[i]
                })
        }
        let totalPositives = counts.truePositives.last!
        let precision = zip(counts.truePositives, counts.falsePositives).map { tp, fp in
            tp + fp == 0 ? 0 : tp / (tp + fp)
        }
        self.precision = precision.reversed() + [1]
        self.recall = counts.truePositives.map { $0 / totalPositives }.reversed() + [0]
        self.thresholds = counts.thresholds.reversed()
    }
}

extension PrecisionRecallCurve {
    /// Average precision, `Σₙ (Rₙ − Rₙ₋₁) · Pₙ` over the curve: scikit-learn's `average_precision_score`
    /// (no interpolation). Meaningful for a curve computed without `dropIntermediate`.
    public var averagePrecision: Double {
        var sum = 0.0
        for i in 0..<(recall.count - 1) { sum -= (recall[i + 1] - recall[i]) * precision[i] }
        return Swift.max(0, sum)
    }
}

/// Average precision of `scores` against 0/1 `labels` (see ``PrecisionRecallCurve/averagePrecision``).
///
/// Scores may be `Float` or `Double` (any `BinaryFloatingPoint`); they are compared without rounding.
///
/// - Throws: ``MetricsError/singleClass(present:metric:)`` when no label is 1.
public func averagePrecision<Score: BinaryFloatingPoint>(
    labels: [Int], scores: [Score]
) throws(MetricsError) -> Double {
    try PrecisionRecallCurve(labels: labels, scores: scores).averagePrecision
}
