import Foundation
import TestSupport

/// A JSON number, or "inf" / "-inf" (JSON has no infinity).
struct JSONDouble: Decodable {
    var value: Double
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        value = text == "-inf" ? -.infinity : .infinity
    }
}

/// Tests/MetricsTests/Fixtures/metrics.json, written by scripts/make_sklearn_fixtures.py (scikit-learn).
struct MetricsFixture: Decodable {
    struct Curve: Decodable {
        var fpr: [JSONDouble]?
        var tpr: [JSONDouble]?
        var precision: [JSONDouble]?
        var recall: [JSONDouble]?
        var thresholds: [JSONDouble]
    }
    struct Case: Decodable {
        var name: String
        var labels: [Int]
        var scores: [JSONDouble]
        var threshold: Float
        var confusionMatrix: [[Int]]
        var accuracy, precision, recall, f1: Double
        var report: String?
        var reportDigits4Named: String?
        var rocDrop, rocAll, prDrop, prAll: Curve?
        var rocAuc, averagePrecision: Double?
        var thresholdPrecisionEqualsRecall, thresholdMaxF1, thresholdMeanPlusStd: Double?
        var singleClass: Int?
        var floatScores: [Float] { scores.map { Float($0.value) } }
    }
    struct AUCCase: Decodable {
        var x: [Double]
        var y: [Double]
        var area: Double
        var decreasingArea: Double
    }
    var cases: [Case]
    var auc: AUCCase

    static let shared = try! loadFixture(MetricsFixture.self, named: "metrics", in: Bundle.module)

    static var twoClassCases: [String] { shared.cases.filter { $0.singleClass == nil }.map(\.name) }
    static var singleClassCases: [String] { shared.cases.filter { $0.singleClass != nil }.map(\.name) }
    static func named(_ name: String) -> Case { shared.cases.first { $0.name == name }! }
}
