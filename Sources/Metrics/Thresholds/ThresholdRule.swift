/// How to turn reconstruction errors into alarms: a sample is flagged when its error is above the
/// threshold, as in the reference articles (`error > threshold`).
///
/// ```swift
/// let threshold = try ThresholdRule.precisionEqualsRecall.threshold(validationScores: errors, validationLabels: y)
/// ```
public enum ThresholdRule: Sendable, Hashable, CustomStringConvertible {
    /// A fixed value (the articles' 0.4 for the dense and 0.3 for the LSTM autoencoder).
    case fixed(Float)
    /// The precision-recall curve threshold where precision and recall are closest (the point where the
    /// two curves cross when plotted against the threshold), chosen on labelled validation data.
    case precisionEqualsRecall
    /// The precision-recall curve threshold with the highest F1 score on labelled validation data.
    case maxF1
    /// `mean + k · std` (population std) of the errors of normal training samples; needs no labels
    /// (TensorFlow's ECG tutorial uses `k = 1`).
    case meanPlusStandardDeviations(Double)

    /// The threshold this rule picks.
    ///
    /// - Parameters:
    ///   - validationScores: scores of labelled validation samples, for the rules that need labels.
    ///   - validationLabels: their 0/1 labels (1 = the positive class), one per score.
    ///   - trainingScores: scores of normal training samples, for ``meanPlusStandardDeviations(_:)``.
    /// - Throws: ``MetricsError`` when the data the rule needs is missing, empty or single-class.
    public func threshold(
        validationScores: [Float] = [], validationLabels: [Int] = [],
        trainingScores: [Float] = []
    ) throws(MetricsError) -> Float {
        switch self {
        case let .fixed(value):
            return value
        case let .meanPlusStandardDeviations(k):
            guard !trainingScores.isEmpty else { throw .empty }
            let values = trainingScores.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return Float(mean + k * variance.squareRoot())
        case .precisionEqualsRecall, .maxF1:
            let curve = try PrecisionRecallCurve(labels: validationLabels, scores: validationScores)
            let points = curve.thresholds.indices
            let best: Int
            if self == .maxF1 {
                let f1 = points.map { i in
                    let (p, r) = (curve.precision[i], curve.recall[i])
                    return p + r == 0 ? 0 : 2 * p * r / (p + r)
                }
                best = points.max { f1[$0] < f1[$1] || (f1[$0] == f1[$1] && $0 > $1) }!
            } else {
                let gap = points.map { Swift.abs(curve.precision[$0] - curve.recall[$0]) }
                best = points.min { gap[$0] < gap[$1] || (gap[$0] == gap[$1] && $0 < $1) }!
            }
            return Float(curve.thresholds[best])
        }
    }

    public var description: String {
        switch self {
        case let .fixed(value): "fixed \(value)"
        case .precisionEqualsRecall: "precision = recall (validation)"
        case .maxF1: "max F1 (validation)"
        case let .meanPlusStandardDeviations(k): "mean + \(k)·std of training errors"
        }
    }
}
