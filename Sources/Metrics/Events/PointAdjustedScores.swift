/// Precision, recall and F1 after *point adjustment*, the protocol of Xu et al. (2018), "Unsupervised
/// Anomaly Detection via Variational Auto-Encoder for Seasonal KPIs in Web Applications" (WWW 2018,
/// section 4.2, "Donut"), used by most later time-series anomaly papers: if any row of a labelled
/// anomaly segment (a ``LabelledEvent``) is flagged, every row of that segment counts as flagged; then
/// precision, recall and F1 are computed row by row as usual. Only alarms *inside* a segment adjust
/// it (alarms in a horizon before it do not). Zero divisions give 0, as scikit-learn's default.
///
/// Point adjustment is known to flatter detectors (one lucky alarm in a long segment gives full
/// recall for it; Kim et al., AAAI 2022); report it next to the event figures, not instead of them.
///
/// ```swift
/// let scores = try PointAdjustedScores(labels: [0, 1, 1, 1, 0], predictions: [0, 0, 1, 0, 1])
/// // adjusted predictions [0, 1, 1, 1, 1]: precision 0.75, recall 1, F1 6/7
/// ```
public struct PointAdjustedScores: Sendable, Hashable {
    /// Counts of the adjusted predictions against the labels.
    public var confusionMatrix: ConfusionMatrix
    /// The predictions after adjustment.
    public var adjustedPredictions: [Int]

    /// Adjusted precision `tp / (tp + fp)`.
    public var precision: Double { confusionMatrix.precision }
    /// Adjusted recall `tp / (tp + fn)`.
    public var recall: Double { confusionMatrix.recall }
    /// Adjusted F1.
    public var f1: Double { confusionMatrix.f1 }

    /// Point-adjusts `predictions` (0/1 per row) against `labels` (0/1 per row).
    ///
    /// - Throws: ``MetricsError`` for different lengths, no rows, or a value other than 0 or 1.
    public init(labels: [Int], predictions: [Int]) throws(MetricsError) {
        try validate(labels: labels, count: predictions.count)
        if let bad = predictions.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalidArgument("prediction \(bad) is \(predictions[bad]); predictions must be 0 or 1")
        }
        var adjusted = predictions
        for event in try LabelledEvent.events(in: labels) where event.rows.contains(where: { predictions[$0] == 1 }) {
            for row in event.rows { adjusted[row] = 1 }
        }
        adjustedPredictions = adjusted
        confusionMatrix = try ConfusionMatrix(labels: labels, predictions: adjusted)
    }
}
