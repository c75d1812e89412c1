/// Cumulative true and false positives at each distinct score, highest score first: scikit-learn's
/// `confusion_matrix_at_thresholds` (formerly `_binary_clf_curve`), shared by the PR and ROC curves.
///
/// Samples are sorted by descending score (stable); a threshold sits at the last sample of each run of
/// equal scores, so tied samples always switch class together.
///
/// Scores of any floating-point type are compared as `Double`, as scikit-learn works in float64:
/// `Float` scores convert exactly (same order, same ties), and `Double` scores are not rounded.
struct ThresholdCounts {
    var truePositives: [Double]
    var falsePositives: [Double]
    var thresholds: [Double]

    init<Score: BinaryFloatingPoint>(labels: [Int], scores: [Score]) throws(MetricsError) {
        try self.init(labels: labels, doubleScores: doubleValues(scores))
    }

    private init(labels: [Int], doubleScores scores: [Double]) throws(MetricsError) {
        try validate(labels: labels, count: scores.count)
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(index: bad) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var tps: [Double] = []
        var fps: [Double] = []
        var thresholds: [Double] = []
        var positives = 0.0
        for (rank, index) in order.enumerated() {
            positives += Double(labels[index])
            let isLastOfRun = rank == order.count - 1 || scores[order[rank + 1]] != scores[index]
            if isLastOfRun {
                tps.append(positives)
                fps.append(Double(rank + 1) - positives)
                thresholds.append(scores[index])
            }
        }
        self.truePositives = tps
        self.falsePositives = fps
        self.thresholds = thresholds
    }

    /// Keeps the entries at `indices`.
    mutating func keep(_ indices: [Int]) {
        truePositives = indices.map { truePositives[$0] }
        falsePositives = indices.map { falsePositives[$0] }
        thresholds = indices.map { thresholds[$0] }
    }

    func requireBothClasses(_ metric: String) throws(MetricsError) {
        if truePositives.last == 0 { throw .singleClass(present: 0, metric: metric) }
        if falsePositives.last == 0 { throw .singleClass(present: 1, metric: metric) }
    }
}

/// `values` as `Double`s, exactly (every `BinaryFloatingPoint` value up to `Double`'s precision converts
/// exactly); `Float` and `Double` arrays take a fast path.
func doubleValues<Score: BinaryFloatingPoint>(_ values: [Score]) -> [Double] {
    if let doubles = values as? [Double] { return doubles }
    if let floats = values as? [Float] { return floats.map(Double.init) }
    return values.map { Double($0) }
}
