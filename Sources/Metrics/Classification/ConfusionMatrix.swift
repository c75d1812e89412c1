/// The counts of a binary classification, with class 1 as the positive (rare-event) class.
///
/// Laid out like scikit-learn's `confusion_matrix(y_true, y_pred)`: `[[tn, fp], [fn, tp]]`, rows are
/// the true class and columns the predicted one. Ratios whose denominator is zero are 0, as sklearn
/// returns with `zero_division="warn"`.
///
/// ```swift
/// let matrix = try ConfusionMatrix(labels: [0, 1, 1, 0], predictions: [0, 1, 0, 1])
/// matrix.recall   // 0.5
/// ```
public struct ConfusionMatrix: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Negatives predicted negative.
    public var trueNegatives: Int
    /// Negatives predicted positive (false alarms).
    public var falsePositives: Int
    /// Positives predicted negative (missed events).
    public var falseNegatives: Int
    /// Positives predicted positive (caught events).
    public var truePositives: Int

    /// Creates a matrix from its four counts.
    public init(trueNegatives: Int, falsePositives: Int, falseNegatives: Int, truePositives: Int) {
        self.trueNegatives = trueNegatives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
        self.truePositives = truePositives
    }

    /// Counts 0/1 labels against 0/1 predictions.
    ///
    /// - Throws: ``MetricsError`` when the lengths differ, the input is empty, or a value is not 0 or 1.
    public init(labels: [Int], predictions: [Int]) throws(MetricsError) {
        try validate(labels: labels, count: predictions.count)
        if let bad = predictions.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalidArgument("prediction \(bad) is \(predictions[bad]); predictions must be 0 or 1")
        }
        var counts = [0, 0, 0, 0]
        for (label, prediction) in zip(labels, predictions) { counts[label * 2 + prediction] += 1 }
        self.init(
            trueNegatives: counts[0], falsePositives: counts[1], falseNegatives: counts[2], truePositives: counts[3])
    }

    /// Classifies `scores` against `threshold` and counts them against `labels`.
    ///
    /// By default a score is positive when `score > threshold` (as Keras' threshold metrics do); pass
    /// `positiveWhen: .greaterThanOrEqual` for `score >= threshold`, the side scikit-learn's curve
    /// thresholds use (so a threshold taken from ``PrecisionRecallCurve/thresholds`` gives the
    /// curve's precision and recall). Scores may be `Float` or `Double` (any `BinaryFloatingPoint`)
    /// and are compared in their own type, without rounding.
    ///
    /// ```swift
    /// let matrix = try ConfusionMatrix(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8],
    ///                                  threshold: 0.35, positiveWhen: .greaterThanOrEqual)
    /// matrix.truePositives   // 2 (with the default `.greaterThan`: 1)
    /// ```
    ///
    /// - Throws: ``MetricsError/nonFiniteScore(index:)`` for a NaN score (it is on neither side), and
    ///   ``MetricsError`` when the lengths differ, the input is empty or a label is not 0 or 1.
    public init<Score: BinaryFloatingPoint>(
        labels: [Int], scores: [Score], threshold: Score, positiveWhen comparison: ScoreComparison = .greaterThan
    ) throws(MetricsError) {
        try validate(labels: labels, count: scores.count)
        if let bad = scores.firstIndex(where: \.isNaN) { throw .nonFiniteScore(index: bad) }
        let predictions = scores.map { comparison.isPositive($0, threshold: threshold) ? 1 : 0 }
        try self.init(labels: labels, predictions: predictions)
    }

    /// `[[tn, fp], [fn, tp]]`.
    public var matrix: [[Int]] { [[trueNegatives, falsePositives], [falseNegatives, truePositives]] }
    /// The number of samples.
    public var total: Int { trueNegatives + falsePositives + falseNegatives + truePositives }
    /// The number of true positives and false negatives.
    public var positives: Int { truePositives + falseNegatives }
    /// The number of true negatives and false positives.
    public var negatives: Int { trueNegatives + falsePositives }

    private static func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    /// `(tp + tn) / total`.
    public var accuracy: Double { Self.ratio(truePositives + trueNegatives, total) }
    /// `tp / (tp + fp)`: how many alarms were real.
    public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) }
    /// `tp / (tp + fn)`: how many events were caught (true-positive rate, sensitivity).
    public var recall: Double { Self.ratio(truePositives, positives) }
    /// `fp / (fp + tn)`: how many normal samples raised an alarm.
    public var falsePositiveRate: Double { Self.ratio(falsePositives, negatives) }
    /// `tn / (tn + fp)`.
    public var specificity: Double { Self.ratio(trueNegatives, negatives) }
    /// The harmonic mean of precision and recall, `2·tp / (2·tp + fp + fn)`.
    public var f1: Double { Self.ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }

    /// The same counts with the classes swapped (class 0 as the positive one).
    public var swappingClasses: ConfusionMatrix {
        ConfusionMatrix(
            trueNegatives: truePositives, falsePositives: falseNegatives,
            falseNegatives: falsePositives, truePositives: trueNegatives)
    }

    /// A small text table, true classes as rows.
    public var description: String {
        let width = Swift.max(
            9, String(Swift.max(trueNegatives, falsePositives, falseNegatives, truePositives)).count + 2)
        func cell(_ text: String) -> String { String(repeating: " ", count: Swift.max(0, width - text.count)) + text }
        return [
            "            " + cell("pred 0") + cell("pred 1"),
            "    true 0  " + cell("\(trueNegatives)") + cell("\(falsePositives)"),
            "    true 1  " + cell("\(falseNegatives)") + cell("\(truePositives)"),
        ].joined(separator: "\n")
    }
}
