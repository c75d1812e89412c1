import Foundation
import Preprocessing
import Tensor
import TestSupport
import Testing

/// Tests/PreprocessingTests/Fixtures/scalers.json, written by scripts/make_scaler_fixtures.py
/// (scikit-learn's scalers fitted on float64 data).
struct ScalerFixture: Decodable {
    struct Standard: Decodable {
        var mean: [Double]
        var variance: [Double]
        var scale: [Double]
        var transformed: [[Double]]
        var inverse: [[Double]]
    }
    struct MinMax: Decodable {
        var featureRange: [Double]
        var dataMin: [Double]
        var dataMax: [Double]
        var dataRange: [Double]
        var scale: [Double]
        var min: [Double]
        var transformed: [[Double]]
        var exactTransformed: [[Double]]
        var inverse: [[Double]]
    }
    var fit: [[Double]]
    var other: [[Double]]
    var standard: Standard
    var minMax: [MinMax]

    static let shared = try! loadFixture(ScalerFixture.self, named: "scalers", in: Bundle.module)
}

@Suite struct ScalerFloat64Tests {
    let reference = ScalerFixture.shared

    /// Within `1e-12` relative (exactly for zeros).
    func expectClose(
        _ actual: [Double], _ expected: [Double], _ what: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, "\(what)", sourceLocation: sourceLocation)
        for (j, (a, e)) in zip(actual, expected).enumerated() {
            #expect(
                Swift.abs(a - e) <= 1e-12 * Swift.abs(e), "\(what)[\(j)]: \(a) vs \(e)", sourceLocation: sourceLocation)
        }
    }

    /// Transformed values are compared against 1e-12 of the row's largest magnitude: a value that
    /// cancels to about 0 has no relative precision to speak of.
    func expectClose(
        _ actual: [[Double]], _ expected: [[Double]], _ what: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, "\(what)", sourceLocation: sourceLocation)
        for (r, (a, e)) in zip(actual, expected).enumerated() {
            #expect(a.count == e.count, sourceLocation: sourceLocation)
            for (j, (x, y)) in zip(a, e).enumerated() {
                #expect(
                    Swift.abs(x - y) <= 1e-12 * Swift.max(Swift.abs(y), 1), "\(what)[\(r)][\(j)]: \(x) vs \(y)",
                    sourceLocation: sourceLocation)
            }
        }
    }

    @Test func standardScalerMatchesSklearnFloat64Attributes() throws {
        var scaler = StandardScaler()
        try scaler.fit(rows: reference.fit)
        expectClose(scaler.mean, reference.standard.mean, "mean_")
        expectClose(scaler.variance, reference.standard.variance, "var_")
        expectClose(scaler.scale, reference.standard.scale, "scale_")
        // The constant feature: variance exactly 0 and scale 1, as in sklearn.
        #expect(scaler.variance[2] == 0 && scaler.scale[2] == 1)
        expectClose(try scaler.transform(rows: reference.other), reference.standard.transformed, "transform")
        expectClose(
            try scaler.inverseTransform(rows: reference.standard.transformed), reference.standard.inverse,
            "inverse_transform")
        var again = StandardScaler()
        #expect(try again.fitTransform(rows: reference.fit) == scaler.transform(rows: reference.fit))
    }

    @Test(arguments: 0..<3) func minMaxScalerMatchesSklearnFloat64Attributes(index: Int) throws {
        let expected = reference.minMax[index]
        var scaler = MinMaxScaler(featureRange: expected.featureRange[0]...expected.featureRange[1])
        try scaler.fit(rows: reference.fit)
        #expect(scaler.dataMin == expected.dataMin)
        #expect(scaler.dataMax == expected.dataMax)
        #expect(scaler.dataRange == expected.dataRange)
        expectClose(scaler.scale, expected.scale, "scale_")
        expectClose(scaler.min, expected.min, "min_")
        let transformed = try scaler.transform(rows: reference.other)
        expectClose(transformed, expected.exactTransformed, "transform (exact)")
        // sklearn's `x * scale_ + min_` rounds at the size of `min_`, which is large for a feature far
        // from zero compared with its range (the nearly constant one keeps only 4 digits).
        for (r, (row, sklearnRow)) in zip(transformed, expected.transformed).enumerated() {
            for j in row.indices {
                let bound = 1e-12 * Swift.max(1, Swift.abs(expected.min[j]), Swift.abs(sklearnRow[j]))
                #expect(Swift.abs(row[j] - sklearnRow[j]) <= bound, "transform[\(r)][\(j)] vs sklearn")
            }
        }
        expectClose(try scaler.inverseTransform(rows: expected.transformed), expected.inverse, "inverse_transform")
    }

    @Test func theFloatAPIReportsTheSameAttributes() throws {
        var scaler = StandardScaler()
        try scaler.fit(Tensor(rows: [[1, 10], [3, 10], [5, 10]]))
        #expect(scaler.mean == [3, 10] && scaler.scale[1] == 1)
        #expect(Swift.abs(scaler.variance[0] - 8.0 / 3) < 1e-15 && scaler.variance[1] == 0)
        var minMax = MinMaxScaler(featureRange: -1...1)
        try minMax.fit(Tensor(rows: [[0, 5], [10, 5]]))
        #expect(minMax.dataMin == [0, 5] && minMax.dataMax == [10, 5] && minMax.dataRange == [10, 0])
        #expect(minMax.scale == [0.2, 2] && minMax.min == [-1, -11])
        #expect(try minMax.transform(rows: [[0, 5], [10, 5], [5, 6]]) == [[-1, -1], [1, -1], [0, 1]])
    }

    @Test func badRowsAndRangesThrow() throws {
        var scaler = StandardScaler()
        #expect(throws: PreprocessingError.self) { try scaler.fit(rows: []) }
        #expect(throws: PreprocessingError.self) { try scaler.fit(rows: [[]]) }
        #expect(
            throws: PreprocessingError.shapeMismatch(
                expected: "rows of 2 features to fit StandardScaler (as the first one), row 1 has 1", found: [2, 1])
        ) { try scaler.fit(rows: [[1, 2], [3]]) }
        #expect(
            throws: PreprocessingError.invalidArgument(
                "StandardScaler cannot fit non-finite values: sample 1, feature 0 is nan")
        ) { try scaler.fit(rows: [[1, 2], [.nan, 3]]) }
        #expect(throws: PreprocessingError.notFitted("StandardScaler")) { try scaler.transform(rows: [[1, 2]]) }
        try scaler.fit(rows: [[1, 2], [3, 4]])
        #expect(
            throws: PreprocessingError.shapeMismatch(
                expected: "rows of 2 features (as fitted), row 0 has 3", found: [1, 3])
        ) { try scaler.transform(rows: [[1, 2, 3]]) }
        var degenerate = MinMaxScaler(featureRange: 1...1)
        #expect(
            throws: PreprocessingError.invalidArgument(
                "MinMaxScaler needs a feature range with finite bounds, lower < upper, found 1.0...1.0")
        ) { try degenerate.fit(rows: [[1], [2]]) }
    }

    @Test func savedScalersRoundTripAndOldFilesWithoutTheNewKeysStillLoad() throws {
        var standard = StandardScaler()
        try standard.fit(rows: reference.fit)
        var minMax = MinMaxScaler(featureRange: -1...1)
        try minMax.fit(rows: reference.fit)
        let decoder = JSONDecoder()
        #expect(try decoder.decode(StandardScaler.self, from: JSONEncoder().encode(standard)) == standard)
        #expect(try decoder.decode(MinMaxScaler.self, from: JSONEncoder().encode(minMax)) == minMax)
        // What the scalers wrote before they kept variance and dataMax.
        let oldStandard = try decoder.decode(
            StandardScaler.self, from: Data(#"{"map":{"center":[1,2],"scale":[2,1],"offset":0}}"#.utf8))
        #expect(oldStandard.mean == [1, 2] && oldStandard.scale == [2, 1] && oldStandard.variance == [4, 1])
        let oldMinMax = try decoder.decode(
            MinMaxScaler.self,
            from: Data(#"{"featureRange":[-1,1],"map":{"center":[0,5],"scale":[5,0.5],"offset":-1}}"#.utf8))
        #expect(oldMinMax.dataMin == [0, 5] && oldMinMax.dataMax == [10, 6] && oldMinMax.scale == [0.2, 2])
        #expect(try oldMinMax.transform(rows: [[5, 5]]) == [[0, -1]])
        #expect(throws: DecodingError.self) {
            try decoder.decode(
                StandardScaler.self, from: Data(#"{"map":{"center":[1],"scale":[2]},"variance":[-1]}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try decoder.decode(
                MinMaxScaler.self,
                from: Data(#"{"featureRange":[0,1],"map":{"center":[1],"scale":[2]},"dataMax":[0]}"#.utf8))
        }
    }
}
