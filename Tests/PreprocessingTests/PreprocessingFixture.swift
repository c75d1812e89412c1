import Foundation
import TestSupport

/// Tests/PreprocessingTests/Fixtures/preprocessing.json, written by scripts/make_sklearn_fixtures.py
/// (pandas, numpy and scikit-learn running the reference code).
struct PreprocessingFixture: Decodable {
    struct CurveShiftCase: Decodable {
        var labels: [Int]
        var shift: Int
        var shifted: [Int]
        var keptRows: [Int]
    }
    struct TemporalizeCase: Decodable {
        var x: [Float]
        var rows: Int
        var features: Int
        var lookback: Int
        var windowsShape: [Int]
        var windows: [Float]
        var labels: [Int]
    }
    struct SplitCase: Decodable {
        var count: Int
        var testSize: Double
        var randomState: UInt32
        var train: [Int]
        var test: [Int]
    }
    struct ScalerCase: Decodable {
        var fit: [Float]
        var fitShape: [Int]
        var other: [Float]
        var standardMean: [Double]
        var standardScale: [Double]
        var standardOther: [Float]
        var minmaxOther: [Float]
        var minmaxPm1Other: [Float]
    }
    var curveShift: [CurveShiftCase]
    var temporalize: TemporalizeCase
    var splits: [SplitCase]
    var scalers: ScalerCase

    static let shared = try! loadFixture(PreprocessingFixture.self, named: "preprocessing", in: Bundle.module)
}
