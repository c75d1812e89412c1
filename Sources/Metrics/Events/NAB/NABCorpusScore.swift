import Foundation

/// A detector's NAB result for one profile over a corpus: the threshold, each file's raw score, and the
/// normalised score `100 · (raw - null) / (perfect - null)` that NAB's scoreboard shows.
public struct NABCorpusScore: Sendable, Hashable, CustomStringConvertible {
    /// The profile scored.
    public var profile: NABProfile
    /// The threshold used for every file.
    public var threshold: Double
    /// Each file's raw score at the threshold, in corpus order (NAB's `<detector>_<profile>_scores.csv` rows).
    public var files: [(name: String, score: NABThresholdScore)] { zip(names, scores).map { ($0, $1) } }
    /// The sum of the files' raw scores (NAB's "Totals" row).
    public var rawScore: Double
    /// The null detector's raw score on the same corpus (NAB's baseline).
    public var nullScore: Double
    /// The best possible raw score: the number of windows times `tpWeight`.
    public var perfectScore: Double

    let names: [String]
    let scores: [NABThresholdScore]

    init(
        profile: NABProfile, threshold: Double, names: [String], scores: [NABThresholdScore],
        nullScore: Double, perfectScore: Double
    ) {
        self.profile = profile
        self.threshold = threshold
        self.names = names
        self.scores = scores
        rawScore = scores.reduce(0) { $0 + $1.score }
        self.nullScore = nullScore
        self.perfectScore = perfectScore
    }

    /// `100 · (raw - null) / (perfect - null)`: 100 for a perfect detector, 0 for the null detector.
    public var normalizedScore: Double {
        NABScorer.normalizedScore(raw: rawScore, null: nullScore, perfect: perfectScore)
    }

    /// Summed row counts over the files.
    public var counts: (truePositives: Int, trueNegatives: Int, falsePositives: Int, falseNegatives: Int) {
        scores.reduce((0, 0, 0, 0)) {
            ($0.0 + $1.truePositives, $0.1 + $1.trueNegatives, $0.2 + $1.falsePositives, $0.3 + $1.falseNegatives)
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.profile == rhs.profile && lhs.threshold == rhs.threshold && lhs.names == rhs.names
            && lhs.scores == rhs.scores
            && lhs.nullScore == rhs.nullScore && lhs.perfectScore == rhs.perfectScore
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(profile)
        hasher.combine(threshold)
        hasher.combine(names)
        hasher.combine(scores)
    }

    /// One line per figure.
    public var description: String {
        let c = counts
        return [
            "profile: \(profile)",
            "threshold: \(threshold)",
            String(format: "normalized score: %.2f", normalizedScore),
            String(format: "raw score: %.4f (null %.4f, perfect %.4f)", rawScore, nullScore, perfectScore),
            "rows: \(c.truePositives) tp, \(c.falsePositives) fp, \(c.falseNegatives) fn, \(c.trueNegatives) tn in \(names.count) files",
        ]
        .joined(separator: "\n")
    }
}
