import Foundation

/// The Numenta Anomaly Benchmark scorer, computing exactly what NAB v1.1's `nab/sweeper.py` computes
/// (github.com/numenta/NAB, commit ea702d7; checked against NAB's own code by
/// `scripts/make_nab_fixtures.py`).
///
/// How a row is weighted (`Sweeper.calcSweepScore`):
/// - Inside a window of `width` rows whose last row is `right`, row `i` is at position
///   `-(right - i + 1) / width` and is worth `tpWeight · σ(position) / σ(-1)`, where
///   σ is the scaled sigmoid ``scaledSigmoid(_:)``: a detection on the window's first row earns
///   exactly `tpWeight`, one at its last row about 0.
/// - Outside every window, before the first window a row is worth `-fpWeight`; after a window it is
///   worth `fpWeight · σ(|i - right| / (width - 1))` of the window before it, so a false positive just
///   after a window costs little and one far after costs `fpWeight`.
/// - The probation period (``NABSeries/probationLength(percent:)``) is not scored.
///
/// How a threshold is scored (`Sweeper.calcScoreByThreshold`): a window with no detection costs
/// `-fnWeight`; a window with detections earns the weight of its *best* (earliest) detection only; every
/// false positive adds its (negative) weight. The corpus threshold is the one that maximises the
/// summed raw score over all files (`optimizer.optimizeThreshold`; ties go to the higher threshold), and
/// the reported score is `100 · (raw - null) / (perfect - null)` (`runner.normalize`).
///
/// ```swift
/// let scorer = NABScorer(profile: .standard)
/// let result = try scorer.score(corpus)          // corpus: [NABDetection], one per file
/// print(result.normalizedScore)                  // 100 perfect, 0 the null detector
/// ```
public struct NABScorer: Sendable, Hashable {
    /// The cost profile.
    public var profile: NABProfile
    /// The fraction of each file in the probation period (NAB: 0.15).
    public var probationPercent: Double

    /// A scorer for `profile`.
    public init(profile: NABProfile, probationPercent: Double = 0.15) {
        self.profile = profile
        self.probationPercent = probationPercent
    }

    /// NAB's scaled sigmoid: `2 / (1 + e^(5x)) - 1` (NAB writes it `2·sigmoid(-5x) - 1`), and exactly `-1`
    /// for `x > 3`. About 0.987 at -1 (a window's left edge), 0 at 0, -0.987 at 1.
    public static func scaledSigmoid(_ x: Double) -> Double {
        if x > 3.0 { return -1.0 }
        return 2 * (1 / (1 + exp(5 * x))) - 1.0
    }

    /// One row as the threshold sweep sees it.
    struct Point {
        var anomalyScore: Double
        /// The row's weight if detected.
        var sweepScore: Double
        /// The window's index (unique over a corpus), `-1` outside every window, `-2` in probation.
        var window: Int
    }

    static let outside = -1, probation = -2

    /// Each row's weight if it were a detection (NAB's per-row `S(t)` column). Probation rows get a
    /// weight too, as in NAB's column, though they are never scored.
    ///
    /// - Throws: ``NABError`` when `anomalyScores` has the wrong length or a non-finite value.
    public func rowWeights(_ series: NABSeries, anomalyScores: [Double]) throws(NABError) -> [Double] {
        try points(series, anomalyScores: anomalyScores, firstWindow: 0).map(\.sweepScore)
    }

    func points(_ series: NABSeries, anomalyScores: [Double], firstWindow: Int) throws(NABError) -> [Point] {
        guard anomalyScores.count == series.rowCount else {
            throw .lengthMismatch(series: series.name, rows: series.rowCount, scores: anomalyScores.count)
        }
        if let bad = anomalyScores.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteScore(series: series.name, row: bad)
        }
        guard probationPercent.isFinite, (0...1).contains(probationPercent) else {
            throw .invalidParameter("the probation percentage \(probationPercent) is not in [0, 1]")
        }
        let maxTruePositive = Self.scaledSigmoid(-1.0)
        let probationLength = series.probationLength(percent: probationPercent)
        var next = 0
        var current: (index: Int, right: Int, width: Double)?
        var previous: (right: Int, width: Double)?
        var points: [Point] = []
        points.reserveCapacity(series.rowCount)
        for (i, anomalyScore) in anomalyScores.enumerated() {
            if next < series.windows.count, i == series.windows[next].lowerBound {
                let window = series.windows[next]
                current = (next, window.upperBound, Double(window.upperBound - window.lowerBound + 1))
                next += 1
            }
            let weight: Double
            if let current {
                let position = -Double(current.right - i + 1) / current.width
                weight = Self.scaledSigmoid(position) * profile.truePositiveWeight / maxTruePositive
            } else if let previous {
                // NAB divides by (width - 1), which is 0 after a one-row window: Python raises
                // ZeroDivisionError there; here the position is +infinity, worth -fpWeight.
                let position = Double(Swift.abs(previous.right - i)) / (previous.width - 1)
                weight = Self.scaledSigmoid(position) * profile.falsePositiveWeight
            } else {
                weight = -1.0 * profile.falsePositiveWeight
            }
            let window =
                Double(i) >= probationLength ? (current.map { firstWindow + $0.index } ?? Self.outside) : Self.probation
            points.append(Point(anomalyScore: anomalyScore, sweepScore: weight, window: window))
            if let window = current, i == window.right {
                previous = (window.right, window.width)
                current = nil
            }
        }
        return points
    }

    /// The raw score at every distinct anomaly score, highest threshold first, starting with a threshold
    /// of 1.1 that detects nothing (when all scores are below 1.1), as NAB's `calcScoreByThreshold`;
    /// and the score when nothing is detected.
    func sweep(_ points: [Point], windowCount: Int) -> (scores: [NABThresholdScore], none: NABThresholdScore) {
        let scorable = points.filter { $0.window != Self.probation }.enumerated()
            .sorted {
                $0.element.anomalyScore > $1.element.anomalyScore
                    || ($0.element.anomalyScore == $1.element.anomalyScore && $0.offset < $1.offset)
            }
            .map(\.element)
        var windowParts = [Double?](repeating: nil, count: windowCount)
        var order: [Int] = []  // windows in the order NAB's dictionary holds them (first seen in the sorted list)
        for point in scorable where point.window >= 0 && windowParts[point.window] == nil {
            windowParts[point.window] = -profile.falseNegativeWeight
            order.append(point.window)
        }
        var falsePositivePart = 0.0
        var trueNegatives = scorable.count { $0.window == Self.outside }
        var falseNegatives = scorable.count - trueNegatives
        var truePositives = 0
        var falsePositives = 0
        func current(_ threshold: Double) -> NABThresholdScore {
            NABThresholdScore(
                threshold: threshold, score: order.reduce(falsePositivePart) { $0 + windowParts[$1]! },
                truePositives: truePositives, trueNegatives: trueNegatives,
                falsePositives: falsePositives, falseNegatives: falseNegatives)
        }
        let none = current(.infinity)
        var scores: [NABThresholdScore] = []
        var threshold = 1.1
        for point in scorable {
            if point.anomalyScore != threshold {
                scores.append(current(threshold))
                threshold = point.anomalyScore
            }
            if point.window == Self.outside {
                falsePositives += 1
                trueNegatives -= 1
                falsePositivePart += point.sweepScore
            } else {
                truePositives += 1
                falseNegatives -= 1
                windowParts[point.window] = Swift.max(windowParts[point.window]!, point.sweepScore)
            }
        }
        scores.append(current(threshold))
        return (scores, none)
    }

    /// The score at `threshold` among sweep results: the detecting row with the smallest threshold at
    /// or above it, else nothing detected. For scores in NAB's range [0, 1] this is NAB's
    /// `scoreDataSet` rule (the row at the threshold, else the row before the first one below it);
    /// NAB fails where no row is at or below the threshold, and here every row is then detected.
    static func matching(_ threshold: Double, in sweep: (scores: [NABThresholdScore], none: NABThresholdScore))
        -> NABThresholdScore
    {
        var match = sweep.none
        for row in sweep.scores where row.truePositives + row.falsePositives > 0 && row.threshold >= threshold {
            match = row
        }
        match.threshold = threshold
        return match
    }

    /// The raw score of every threshold worth trying on one file, highest threshold first (NAB's
    /// `calcScoreByThreshold`: the first row, threshold 1.1, detects nothing).
    public func thresholdScores(_ series: NABSeries, anomalyScores: [Double]) throws(NABError) -> [NABThresholdScore] {
        sweep(try points(series, anomalyScores: anomalyScores, firstWindow: 0), windowCount: series.windows.count)
            .scores
    }

    /// The raw score of one file at `threshold` (rows with an anomaly score `>= threshold` are
    /// detections), as NAB's `Sweeper.scoreDataSet`.
    public func score(_ series: NABSeries, anomalyScores: [Double], threshold: Double) throws(NABError)
        -> NABThresholdScore
    {
        Self.matching(
            threshold,
            in: sweep(
                try points(series, anomalyScores: anomalyScores, firstWindow: 0),
                windowCount: series.windows.count))
    }
}
