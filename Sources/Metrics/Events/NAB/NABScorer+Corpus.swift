/// Scoring a whole corpus: NAB's threshold optimiser, the null and perfect baselines, normalisation.
extension NABScorer {
    /// The raw corpus score at every distinct anomaly score of the corpus, highest threshold first (NAB's
    /// `optimizer.optimizeThreshold` sweep: all files' rows pooled, each window named by its file).
    ///
    /// - Throws: ``NABError`` for an empty corpus or a file whose scores do not fit it.
    public func thresholdScores(_ corpus: [NABDetection]) throws(NABError) -> [NABThresholdScore] {
        try pooledSweep(corpus).scores
    }

    func pooledSweep(_ corpus: [NABDetection]) throws(NABError) -> (
        scores: [NABThresholdScore], none: NABThresholdScore
    ) {
        guard !corpus.isEmpty else { throw .emptyCorpus }
        var pooled: [Point] = []
        var windowCount = 0
        for detection in corpus {
            pooled += try points(detection.series, anomalyScores: detection.anomalyScores, firstWindow: windowCount)
            windowCount += detection.series.windows.count
        }
        return sweep(pooled, windowCount: windowCount)
    }

    /// The threshold NAB's optimiser picks: the one whose summed raw score over the corpus is highest
    /// (of equal scores, the higher threshold, as NAB's stable sort keeps the first).
    ///
    /// - Throws: ``NABError`` for an empty corpus or a file whose scores do not fit it.
    public func optimizeThreshold(_ corpus: [NABDetection]) throws(NABError) -> NABThresholdScore {
        let scores = try thresholdScores(corpus)
        var best = scores[0]
        for row in scores.dropFirst() where row.score > best.score { best = row }
        return best
    }

    /// Scores every file at one `threshold` and normalises the total against the null and perfect detectors
    /// (NAB's `scoreCorpus` and `normalize`).
    ///
    /// - Throws: ``NABError`` for an empty corpus or a file whose scores do not fit it.
    public func score(_ corpus: [NABDetection], threshold: Double) throws(NABError) -> NABCorpusScore {
        guard !corpus.isEmpty else { throw .emptyCorpus }
        var scores: [NABThresholdScore] = []
        for detection in corpus {
            scores.append(try score(detection.series, anomalyScores: detection.anomalyScores, threshold: threshold))
        }
        let series = corpus.map(\.series)
        return NABCorpusScore(
            profile: profile, threshold: threshold, names: series.map(\.name), scores: scores,
            nullScore: try nullScore(series), perfectScore: perfectScore(series))
    }

    /// Chooses the threshold with ``optimizeThreshold(_:)`` and scores the corpus at it: what NAB's
    /// `run.py --optimize --score --normalize` reports for one profile.
    ///
    /// - Throws: ``NABError`` for an empty corpus or a file whose scores do not fit it.
    public func score(_ corpus: [NABDetection]) throws(NABError) -> NABCorpusScore {
        try score(corpus, threshold: try optimizeThreshold(corpus).threshold)
    }

    /// The null detector's raw score: NAB's `null` detector (anomaly score 0.5 on every row) with its
    /// threshold optimised and the corpus scored at it, as NAB computes its baseline. When detecting every
    /// row does not pay, this is `-fnWeight` times the number of windows with a row after probation.
    ///
    /// - Throws: ``NABError`` for an empty corpus.
    public func nullScore(_ series: [NABSeries]) throws(NABError) -> Double {
        guard !series.isEmpty else { throw .emptyCorpus }
        // With one anomaly score everywhere the sweep has two thresholds: 1.1 (nothing detected, first in
        // NAB's list, so it wins ties) and 0.5 (every row detected). Computed directly, without a sort.
        var nothing: [Double] = []
        var everything: [Double] = []
        for file in series {
            let points = try points(file, anomalyScores: [Double](repeating: 0.5, count: file.rowCount), firstWindow: 0)
            var best = [Double?](repeating: nil, count: file.windows.count)
            var falsePositives = 0.0
            for point in points where point.window != Self.probation {
                if point.window == Self.outside {
                    falsePositives += point.sweepScore
                } else {
                    best[point.window] = Swift.max(best[point.window] ?? -.infinity, point.sweepScore)
                }
            }
            let present = best.compactMap { $0 }
            nothing.append(present.reduce(0) { acc, _ in acc - profile.falseNegativeWeight })
            everything.append(present.reduce(falsePositives, +))
        }
        let detectAll = everything.reduce(0, +) > nothing.reduce(0, +)
        return (detectAll ? everything : nothing).reduce(0, +)
    }

    /// The perfect detector's raw score: one `tpWeight` per window of the corpus (NAB's `normalize`
    /// counts every labelled window, including one inside a probation period).
    public func perfectScore(_ series: [NABSeries]) -> Double {
        Double(series.reduce(0) { $0 + $1.windows.count }) * profile.truePositiveWeight
    }

    /// `100 · (raw - null) / (perfect - null)`.
    public static func normalizedScore(raw: Double, null: Double, perfect: Double) -> Double {
        100 * (raw - null) / (perfect - null)
    }
}
