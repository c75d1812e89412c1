import Preprocessing
import Tensor
import Testing

@Suite struct ScalerTests {
    let reference = PreprocessingFixture.shared.scalers
    var data: Tensor { Tensor(shape: reference.fitShape, scalars: reference.fit) }
    var other: Tensor {
        Tensor(shape: [reference.other.count / reference.fitShape[1], reference.fitShape[1]], scalars: reference.other)
    }

    func expectClose(
        _ actual: [Float], _ expected: [Float], tolerance: Float = 1e-6,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(
                Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e)), "\(a) vs \(e)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func standardScalerMatchesSklearnIncludingAConstantFeature() throws {
        var scaler = StandardScaler()
        try scaler.fit(data)
        for (a, e) in zip(scaler.mean, reference.standardMean) {
            #expect(Swift.abs(a - e) <= 1e-9 * Swift.max(1, Swift.abs(e)))
        }
        for (a, e) in zip(scaler.scale, reference.standardScale) {
            #expect(Swift.abs(a - e) <= 1e-9 * Swift.max(1, Swift.abs(e)))
        }
        #expect(scaler.scale[2] == 1)
        expectClose(try scaler.transform(other).scalars, reference.standardOther)
        // The round trip goes through Float32 values as large as 1e5, hence the looser bound.
        expectClose(try scaler.inverseTransform(scaler.transform(other)).scalars, other.scalars, tolerance: 1e-4)
    }

    @Test func minMaxScalerMatchesSklearn() throws {
        var unit = MinMaxScaler()
        try unit.fit(data)
        expectClose(try unit.transform(other).scalars, reference.minmaxOther)
        var symmetric = MinMaxScaler(featureRange: -1...1)
        try symmetric.fit(data)
        expectClose(try symmetric.transform(other).scalars, reference.minmaxPm1Other)
    }

    @Test func scalerFittedOn2DScalesEveryTimestepOf3DWindows() throws {
        var scaler = StandardScaler()
        try scaler.fit(data)
        let windows = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) })
        let scaled = try scaler.transform(windows)
        #expect(scaled.shape == [2, 3, 4])
        let row = try scaler.transform(Tensor(shape: [1, 4], scalars: Array(windows.scalars[8..<12])))
        #expect(Array(scaled.scalars[8..<12]) == row.scalars)
    }

    @Test func globalMinMaxUsesOneRange() throws {
        var scaler = GlobalMinMaxScaler()
        try scaler.fit(Tensor(rows: [[2, 4], [6, 10]]))
        #expect(scaler.range == 2...10)
        #expect(try scaler.transform(Tensor(rows: [[2, 6, 12]])) == Tensor(rows: [[0, 0.5, 1.25]]))
    }

    @Test func unfittedOrMismatchedScalersThrow() throws {
        #expect(throws: PreprocessingError.notFitted("StandardScaler")) { try StandardScaler().transform(data) }
        var scaler = MinMaxScaler()
        try scaler.fit(data)
        #expect(throws: PreprocessingError.self) { try scaler.transform(Tensor(zeros: [2, 3])) }
    }
}

@Suite struct TrainTestSplitTests {
    @Test(arguments: PreprocessingFixture.shared.splits.indices)
    func reproducesSklearnExactly(index: Int) throws {
        let reference = PreprocessingFixture.shared.splits[index]
        let split = try trainTestSplit(
            count: reference.count, testSize: reference.testSize, randomState: reference.randomState)
        #expect(split.train == reference.train)
        #expect(split.test == reference.test)
    }

    @Test func withoutShuffleKeepsOrder() throws {
        #expect(
            try trainTestSplit(count: 5, testSize: 0.4, shuffle: false)
                == SplitIndices(train: [0, 1, 2], test: [3, 4]))
        #expect(throws: PreprocessingError.self) { try trainTestSplit(count: 5, testSize: 1.5) }
    }
}
