import Metrics
import Testing

@Suite struct ClassificationTests {
    @Test(arguments: MetricsFixture.shared.cases.map(\.name))
    func confusionMatrixAndRatiosMatchSklearn(name: String) throws {
        let reference = MetricsFixture.named(name)
        let matrix = try ConfusionMatrix(
            labels: reference.labels, scores: reference.floatScores, threshold: reference.threshold)
        #expect(matrix.matrix == reference.confusionMatrix)
        #expect(Swift.abs(matrix.accuracy - reference.accuracy) <= 1e-15)
        #expect(Swift.abs(matrix.precision - reference.precision) <= 1e-15)
        #expect(Swift.abs(matrix.recall - reference.recall) <= 1e-15)
        #expect(Swift.abs(matrix.f1 - reference.f1) <= 1e-15)
    }

    // "inverted" is left out: when every precision and recall is 0, sklearn 1.9 prints the support as a
    // float ("2.0"), a formatting quirk RareEventKit does not copy (support stays an integer).
    @Test(arguments: MetricsFixture.twoClassCases.filter { $0 != "inverted" })
    func classificationReportIsCharacterForCharacterSklearns(name: String) throws {
        let reference = MetricsFixture.named(name)
        let predictions = reference.floatScores.map { $0 > reference.threshold ? 1 : 0 }
        let report = try ClassificationReport(labels: reference.labels, predictions: predictions)
        #expect(report.description == reference.report)
        let named = try ClassificationReport(
            labels: reference.labels, predictions: predictions,
            targetNames: ["normal", "sheet break"], digits: 4)
        #expect(named.description == reference.reportDigits4Named)
    }

    @Test func falsePositiveRateAndZeroDivision() throws {
        let matrix = try ConfusionMatrix(labels: [0, 0, 0, 1], predictions: [1, 0, 0, 0])
        #expect(matrix.falsePositiveRate == 1.0 / 3)
        #expect(matrix.precision == 0)  // 0 / 0, as sklearn's zero_division default reports
        #expect(throws: MetricsError.self) { try ConfusionMatrix(labels: [0, 1], predictions: [0, 3]) }
    }
}

@Suite struct ThresholdRuleTests {
    @Test(arguments: MetricsFixture.twoClassCases)
    func validationRulesMatchTheReferenceComputation(name: String) throws {
        let reference = MetricsFixture.named(name)
        let equal = try ThresholdRule.precisionEqualsRecall.threshold(
            validationScores: reference.floatScores,
            validationLabels: reference.labels)
        #expect(Double(equal) == reference.thresholdPrecisionEqualsRecall)
        let f1 = try ThresholdRule.maxF1.threshold(
            validationScores: reference.floatScores, validationLabels: reference.labels)
        #expect(Double(f1) == reference.thresholdMaxF1)
    }

    @Test(arguments: MetricsFixture.shared.cases.filter { $0.thresholdMeanPlusStd != nil }.map(\.name))
    func meanPlusStandardDeviationMatchesNumPy(name: String) throws {
        let reference = MetricsFixture.named(name)
        let normal = zip(reference.floatScores, reference.labels).filter { $0.1 == 0 }.map(\.0)
        let threshold = try ThresholdRule.meanPlusStandardDeviations(1).threshold(trainingScores: normal)
        #expect(threshold == Float(reference.thresholdMeanPlusStd!))
    }

    @Test func rulesNeedTheirData() {
        #expect(throws: MetricsError.empty) { try ThresholdRule.meanPlusStandardDeviations(1).threshold() }
        #expect(throws: MetricsError.self) { try ThresholdRule.maxF1.threshold() }
        #expect(try! ThresholdRule.fixed(0.3).threshold() == 0.3)
    }
}
