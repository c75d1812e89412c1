/// Row indices of a train/test split.
public struct SplitIndices: Sendable, Equatable {
    /// The training rows, in the order scikit-learn returns them.
    public var train: [Int]
    /// The test rows, in the order scikit-learn returns them.
    public var test: [Int]

    /// Creates a split from its two parts.
    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }
}

/// Splits `count` rows into train and test parts exactly like scikit-learn's `train_test_split`.
///
/// `testCount = ceil(testSize · count)`. With `shuffle` (the default) the rows are
/// `RandomState(randomState).permutation(count)` (see ``LegacyRandomState``): test = its first
/// `testCount` entries, train = the rest, each in permutation order, so the same `random_state` gives
/// the same rows as Python. Without `shuffle`, train is the first rows and test the last ones.
///
/// ```swift
/// let split = try trainTestSplit(count: 18_268, testSize: 0.2, randomState: 123)
/// // split.test.count == 3_654
/// ```
///
/// - Throws: ``PreprocessingError/invalidArgument(_:)`` when `testSize` is not in `(0, 1)` or a part
///   would be empty (sklearn's `ValueError`).
public func trainTestSplit(
    count: Int, testSize: Double = 0.25, randomState: UInt32 = 0,
    shuffle: Bool = true
) throws(PreprocessingError) -> SplitIndices {
    guard testSize > 0, testSize < 1 else {
        throw .invalidArgument("testSize must be in (0, 1), got \(testSize)")
    }
    let testCount = Int((testSize * Double(count)).rounded(.up))
    let trainCount = count - testCount
    guard testCount > 0, trainCount > 0 else {
        throw .invalidArgument("with \(count) rows and testSize \(testSize) the train or test part would be empty")
    }
    if !shuffle {
        return SplitIndices(train: Array(0..<trainCount), test: Array(trainCount..<count))
    }
    var state = LegacyRandomState(seed: randomState)
    let permutation = state.permutation(count)
    return SplitIndices(train: Array(permutation[testCount...]), test: Array(permutation[..<testCount]))
}
