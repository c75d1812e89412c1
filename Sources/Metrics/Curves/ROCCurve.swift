/// The receiver operating characteristic: false- and true-positive rates at every distinct score
/// threshold, with scikit-learn's semantics.
///
/// `thresholds` decrease and start at `+∞` (no sample positive), so the curve starts at (0, 0); a sample
/// is positive when `score >= threshold`.
public struct ROCCurve: Sendable, Hashable {
    /// False-positive rate at each threshold.
    public var falsePositiveRate: [Double]
    /// True-positive rate (recall) at each threshold.
    public var truePositiveRate: [Double]
    /// `+∞`, then the kept distinct scores in decreasing order (as `Double`s, like scikit-learn's
    /// float64 thresholds; `Float` scores convert exactly).
    public var thresholds: [Double]

    /// Computes the ROC curve of `scores` against 0/1 `labels`.
    ///
    /// Scores may be `Float` or `Double` (any `BinaryFloatingPoint`) and are compared without
    /// rounding, as scikit-learn compares float64: `Double` scores 0.3 and 0.3 + 1e-9 are distinct
    /// (they would tie as `Float`).
    ///
    /// With `dropIntermediate` (the default, as in sklearn) thresholds that are not corners of the
    /// curve are dropped — a point is kept where the second difference of the false- or true-positive
    /// counts is nonzero — which leaves the area unchanged.
    ///
    /// - Throws: ``MetricsError/singleClass(present:metric:)`` when only one class is present (sklearn
    ///   warns and returns NaN rates), and ``MetricsError`` for malformed input.
    public init<Score: BinaryFloatingPoint>(
        labels: [Int], scores: [Score], dropIntermediate: Bool = true
    ) throws(MetricsError) {
        var counts = try ThresholdCounts(labels: labels, scores: scores)
        try counts.requireBothClasses("the ROC curve")
        if dropIntermediate && counts.thresholds.count > 2 {
            let (fps, tps) = (counts.falsePositives, counts.truePositives)
            counts.keep(
                fps.indices.filter { i in
                    i == 0 || i == fps.count - 1
                        || fps[i + 1] - 2 * fps[i] + fps[i - 1] != 0 || tps[i + 1] - 2 * tps[i] + tps[i - 1] != 0
                })
        }
        let (negatives, positives) = (counts.falsePositives.last!, counts.truePositives.last!)
        falsePositiveRate = [0] + counts.falsePositives.map { $0 / negatives }
        truePositiveRate = [0] + counts.truePositives.map { $0 / positives }
        thresholds = [.infinity] + counts.thresholds
    }

    /// The area under the curve (trapezoidal rule).
    public var area: Double {
        // The curve's false-positive rates never decrease, so this cannot throw.
        (try? auc(x: falsePositiveRate, y: truePositiveRate)) ?? .nan
    }
}

/// The area under the ROC curve: scikit-learn's `roc_auc_score` for binary labels.
///
/// ```swift
/// try rocAUC(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8])   // 0.75
/// try rocAUC(labels: [0, 1], scores: [0.3, 0.3 + 1e-9])              // 1.0 (Double scores, not rounded)
/// ```
///
/// Scores may be `Float` or `Double` (any `BinaryFloatingPoint`); they are compared without rounding.
///
/// - Throws: ``MetricsError/singleClass(present:metric:)`` when only one class is present.
public func rocAUC<Score: BinaryFloatingPoint>(labels: [Int], scores: [Score]) throws(MetricsError) -> Double {
    try ROCCurve(labels: labels, scores: scores).area
}

/// The area under a curve by the trapezoidal rule, like scikit-learn's `auc`: `x` must be increasing or
/// decreasing (not necessarily strictly); a decreasing `x` gives the same positive area.
///
/// - Throws: ``MetricsError/notMonotonic`` or ``MetricsError/invalidArgument(_:)`` for fewer than two
///   points or different lengths.
public func auc(x: [Double], y: [Double]) throws(MetricsError) -> Double {
    guard x.count == y.count, x.count >= 2 else {
        throw .invalidArgument("auc needs at least 2 points and equal lengths, got \(x.count) and \(y.count)")
    }
    let steps = zip(x.dropFirst(), x).map { $0 - $1 }
    let direction: Double
    if steps.allSatisfy({ $0 >= 0 }) {
        direction = 1
    } else if steps.allSatisfy({ $0 <= 0 }) {
        direction = -1
    } else {
        throw .notMonotonic
    }
    var area = 0.0
    for i in 1..<x.count { area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2 }
    return direction * area
}
