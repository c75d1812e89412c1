import Foundation
import Metrics
import TestSupport
import Testing

/// Tests/MetricsTests/Fixtures/double_scores.json, written by scripts/make_double_score_fixtures.py
/// (scikit-learn, float64 scores some of which float32 cannot tell apart).
struct DoubleScoreFixture: Decodable {
    struct Case: Decodable {
        var name: String
        var labels: [Int]
        var scores: [JSONDouble]
        var threshold: Double
        var rocDrop, rocAll, prDrop, prAll: MetricsFixture.Curve
        var rocAuc, averagePrecision, float32RocAuc, float32AveragePrecision: Double
        var confusionMatrixGreater, confusionMatrixGreaterOrEqual: [[Int]]
        var doubleScores: [Double] { scores.map(\.value) }
    }
    var cases: [Case]

    static let shared = try! loadFixture(DoubleScoreFixture.self, named: "double_scores", in: Bundle.module)
    static var names: [String] { shared.cases.map(\.name) }
    static func named(_ name: String) -> Case { shared.cases.first { $0.name == name }! }
}

@Suite struct DoubleScoreTests {
    @Test(arguments: DoubleScoreFixture.names)
    func curvesAndAreasOfDoubleScoresMatchSklearnWithoutRounding(name: String) throws {
        let reference = DoubleScoreFixture.named(name)
        let (labels, scores) = (reference.labels, reference.doubleScores)
        for drop in [true, false] {
            let roc = try ROCCurve(labels: labels, scores: scores, dropIntermediate: drop)
            let expectedROC = drop ? reference.rocDrop : reference.rocAll
            expectEqual(roc.falsePositiveRate, expectedROC.fpr, "\(name) fpr drop=\(drop)")
            expectEqual(roc.truePositiveRate, expectedROC.tpr, "\(name) tpr drop=\(drop)")
            expectEqual(roc.thresholds, expectedROC.thresholds, "\(name) ROC thresholds drop=\(drop)")
            let pr = try PrecisionRecallCurve(labels: labels, scores: scores, dropIntermediate: drop)
            let expectedPR = drop ? reference.prDrop : reference.prAll
            expectEqual(pr.precision, expectedPR.precision, "\(name) precision drop=\(drop)")
            expectEqual(pr.recall, expectedPR.recall, "\(name) recall drop=\(drop)")
            expectEqual(pr.thresholds, expectedPR.thresholds, "\(name) PR thresholds drop=\(drop)")
        }
        let auc = try rocAUC(labels: labels, scores: scores)
        let ap = try averagePrecision(labels: labels, scores: scores)
        #expect(Swift.abs(auc - reference.rocAuc) <= 1e-12, "\(name): AUC \(auc) vs sklearn \(reference.rocAuc)")
        #expect(
            Swift.abs(ap - reference.averagePrecision) <= 1e-12,
            "\(name): AP \(ap) vs sklearn \(reference.averagePrecision)")

        // The same scores rounded to Float give sklearn's float32 figures, which differ: the test can fail.
        let rounded = scores.map { Float($0) }
        #expect(Swift.abs(try rocAUC(labels: labels, scores: rounded) - reference.float32RocAuc) <= 1e-12)
        #expect(
            Swift.abs(try averagePrecision(labels: labels, scores: rounded) - reference.float32AveragePrecision)
                <= 1e-12)
        #expect(reference.float32RocAuc != reference.rocAuc)
    }

    @Test func issueExampleGivesSklearnsAreaOfOne() throws {
        #expect(try rocAUC(labels: [0, 1], scores: [0.3, 0.3 + 1e-9]) == 1)
        #expect(try rocAUC(labels: [0, 1], scores: [Float(0.3), Float(0.3 + 1e-9)]) == 0.5)
    }

    @Test(arguments: DoubleScoreFixture.names)
    func confusionMatrixAtGreaterAndGreaterOrEqualMatchesSklearn(name: String) throws {
        let reference = DoubleScoreFixture.named(name)
        let strict = try ConfusionMatrix(
            labels: reference.labels, scores: reference.doubleScores, threshold: reference.threshold)
        let inclusive = try ConfusionMatrix(
            labels: reference.labels, scores: reference.doubleScores,
            threshold: reference.threshold, positiveWhen: .greaterThanOrEqual)
        #expect(strict.matrix == reference.confusionMatrixGreater, "\(name) at >")
        #expect(inclusive.matrix == reference.confusionMatrixGreaterOrEqual, "\(name) at >=")
        let explicit = try ConfusionMatrix(
            labels: reference.labels, scores: reference.doubleScores,
            threshold: reference.threshold, positiveWhen: .greaterThan)
        #expect(explicit == strict)
    }

    @Test func confusionMatrixAtACurveThresholdGivesTheCurvesPrecisionAndRecall() throws {
        // sklearn's doc example: at threshold 0.35 (>=) precision 2/3 and recall 1 (the PR curve's second point).
        let (labels, scores): ([Int], [Float]) = ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        let curve = try PrecisionRecallCurve(labels: labels, scores: scores)
        let index = try #require(curve.thresholds.firstIndex(of: Double(Float(0.35))))
        let matrix = try ConfusionMatrix(
            labels: labels, scores: scores, threshold: Float(curve.thresholds[index]),
            positiveWhen: .greaterThanOrEqual)
        #expect(matrix.precision == curve.precision[index] && matrix.recall == curve.recall[index])
        #expect(matrix == ConfusionMatrix(trueNegatives: 1, falsePositives: 1, falseNegatives: 0, truePositives: 2))
        let strict = try ConfusionMatrix(labels: labels, scores: scores, threshold: Float(0.35))
        #expect(strict == ConfusionMatrix(trueNegatives: 1, falsePositives: 1, falseNegatives: 1, truePositives: 1))
    }

    @Test func nanScoresAreRejectedByTheConfusionMatrix() {
        #expect(throws: MetricsError.nonFiniteScore(index: 1)) {
            try ConfusionMatrix(labels: [0, 1], scores: [0.2, .nan], threshold: 0.5)
        }
        #expect(throws: MetricsError.lengthMismatch(labels: 2, values: 1)) {
            try ConfusionMatrix(labels: [0, 1], scores: [Double.nan], threshold: 0.5)
        }
    }
}
