import Metrics
import Testing

func expectEqual(
    _ actual: [Double], _ expected: [JSONDouble]?, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let expected = (expected ?? []).map(\.value)
    #expect(
        actual.count == expected.count, "\(what): \(actual.count) points, sklearn has \(expected.count)",
        sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) where !(a == e || Swift.abs(a - e) <= 1e-12 * Swift.max(1, Swift.abs(e))) {
        Issue.record("\(what): \(actual) vs sklearn \(expected)", sourceLocation: sourceLocation)
        return
    }
}

@Suite struct CurveTests {
    @Test(arguments: MetricsFixture.twoClassCases)
    func rocCurveMatchesSklearn(name: String) throws {
        let reference = MetricsFixture.named(name)
        for drop in [true, false] {
            let curve = try ROCCurve(labels: reference.labels, scores: reference.floatScores, dropIntermediate: drop)
            let expected = try #require(drop ? reference.rocDrop : reference.rocAll)
            expectEqual(curve.falsePositiveRate, expected.fpr, "\(name) fpr drop=\(drop)")
            expectEqual(curve.truePositiveRate, expected.tpr, "\(name) tpr drop=\(drop)")
            expectEqual(curve.thresholds, expected.thresholds, "\(name) thresholds drop=\(drop)")
        }
        let auc = try rocAUC(labels: reference.labels, scores: reference.floatScores)
        #expect(Swift.abs(auc - reference.rocAuc!) <= 1e-12, "\(name): AUC \(auc) vs sklearn \(reference.rocAuc!)")
    }

    @Test(arguments: MetricsFixture.twoClassCases)
    func precisionRecallCurveAndAveragePrecisionMatchSklearn(name: String) throws {
        let reference = MetricsFixture.named(name)
        for drop in [true, false] {
            let curve = try PrecisionRecallCurve(
                labels: reference.labels, scores: reference.floatScores, dropIntermediate: drop)
            let expected = try #require(drop ? reference.prDrop : reference.prAll)
            expectEqual(curve.precision, expected.precision, "\(name) precision drop=\(drop)")
            expectEqual(curve.recall, expected.recall, "\(name) recall drop=\(drop)")
            expectEqual(curve.thresholds, expected.thresholds, "\(name) thresholds drop=\(drop)")
        }
        let ap = try averagePrecision(labels: reference.labels, scores: reference.floatScores)
        #expect(
            Swift.abs(ap - reference.averagePrecision!) <= 1e-12,
            "\(name): AP \(ap) vs sklearn \(reference.averagePrecision!)")
    }

    @Test(arguments: MetricsFixture.singleClassCases)
    func singleClassThrowsInsteadOfNaN(name: String) {
        let reference = MetricsFixture.named(name)
        let present = reference.singleClass!
        #expect(throws: MetricsError.singleClass(present: present, metric: "the ROC curve")) {
            try rocAUC(labels: reference.labels, scores: reference.floatScores)
        }
        if present == 0 {
            #expect(throws: MetricsError.self) {
                try averagePrecision(labels: reference.labels, scores: reference.floatScores)
            }
        }
    }

    @Test func malformedInputThrows() {
        #expect(throws: MetricsError.lengthMismatch(labels: 2, values: 1)) {
            try rocAUC(labels: [0, 1], scores: [0.1])
        }
        #expect(throws: MetricsError.invalidLabel(index: 1, value: 2)) {
            try rocAUC(labels: [0, 2], scores: [0.1, 0.2])
        }
        #expect(throws: MetricsError.nonFiniteScore(index: 0)) { try rocAUC(labels: [0, 1], scores: [.nan, 0.2]) }
        #expect(throws: MetricsError.empty) { try rocAUC(labels: [], scores: [Float]()) }
    }

    @Test func trapezoidalAreaMatchesSklearn() throws {
        let reference = MetricsFixture.shared.auc
        #expect(Swift.abs(try auc(x: reference.x, y: reference.y) - reference.area) <= 1e-12)
        #expect(Swift.abs(try auc(x: [1, 0.5, 0], y: [1, 0.5, 0]) - reference.decreasingArea) <= 1e-12)
        #expect(throws: MetricsError.notMonotonic) { try auc(x: [0, 1, 0.5], y: [0, 1, 1]) }
    }
}
