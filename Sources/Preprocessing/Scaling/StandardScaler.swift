import Tensor

/// Standardizes each feature to zero mean and unit variance: `(x − mean) / std`.
///
/// Like scikit-learn's `StandardScaler`: the standard deviation is the population one (`ddof = 0`),
/// and a constant feature (variance within round-off of zero, by sklearn's own bound) gets a scale
/// of 1, so it maps to 0 instead of NaN. The statistics are computed in `Double` with sklearn's
/// formula, so ``mean``, ``variance`` and ``scale`` are sklearn's `mean_`, `var_` and `scale_`; fit
/// `Double` rows with ``fit(rows:)`` for sklearn's float64 results.
///
/// ```swift
/// var scaler = StandardScaler()
/// try scaler.fit(flatten(trainNormal))
/// let scaled = try scaler.transform(windows)   // any [..., features] tensor
/// ```
public struct StandardScaler: Scaler, Equatable, Codable {
    private var map = AffineMap(center: [], scale: [])
    private var fittedVariance: [Double] = []

    /// Creates an unfitted scaler.
    public init() {}

    /// The fitted per-feature means, sklearn's `mean_` (empty before fitting).
    public var mean: [Double] { map.center }
    /// The fitted per-feature population variances, sklearn's `var_` (empty before fitting).
    ///
    /// A scaler read from a file saved before the variance was stored reports `scale²`, which is 1
    /// rather than about 0 for a constant feature.
    public var variance: [Double] { fittedVariance }
    /// The fitted per-feature scales, sklearn's `scale_`: the population standard deviations, 1 for
    /// constant features (empty before fitting).
    public var scale: [Double] { map.scale }

    public mutating func fit(_ x: Tensor) throws(PreprocessingError) {
        fit(columns: try featureColumns(x, for: "StandardScaler"))
    }

    /// Learns the statistics of `[samples][features]` rows in `Double`, as scikit-learn does for a
    /// float64 array.
    ///
    /// ```swift
    /// var scaler = StandardScaler()
    /// try scaler.fit(rows: [[1, 10], [3, 10]])   // mean [2, 10], variance [1, 0], scale [1, 1]
    /// ```
    ///
    /// - Parameter rows: At least one row; every row has the same number of features.
    /// - Throws: ``PreprocessingError/shapeMismatch(expected:found:)`` for no rows, empty or ragged rows,
    ///   ``PreprocessingError/invalidArgument(_:)`` for NaN or an infinity.
    public mutating func fit(rows: [[Double]]) throws(PreprocessingError) {
        fit(columns: try featureColumns(rows: rows, for: "StandardScaler"))
    }

    /// sklearn's `_incremental_mean_and_var` from nothing: the mean, then the sum of squared deviations
    /// less the square of their sum over `n` (the correction that removes the mean's round-off).
    private mutating func fit(columns: [[Double]]) {
        var means: [Double] = []
        var variances: [Double] = []
        var scales: [Double] = []
        for column in columns {
            let n = Double(column.count)
            let mean = column.reduce(0, +) / n
            var correction = 0.0
            var squares = 0.0
            for value in column {
                let deviation = value - mean
                correction += deviation
                squares += deviation * deviation
            }
            let variance = (squares - correction * correction / n) / n
            // sklearn's _is_constant_feature bound.
            let eps = Double.ulpOfOne
            let isConstant = variance <= n * eps * variance + (n * mean * eps) * (n * mean * eps)
            means.append(mean)
            variances.append(variance)
            scales.append(isConstant ? 1 : variance.squareRoot())
        }
        map = AffineMap(center: means, scale: scales)
        fittedVariance = variances
    }

    public func transform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: false, owner: "StandardScaler")
    }

    /// Scales `[samples][features]` rows in `Double`: `(x − mean) / scale`.
    ///
    /// - Throws: ``PreprocessingError/notFitted(_:)``, ``PreprocessingError/shapeMismatch(expected:found:)``
    ///   when a row's width is not the fitted one.
    public func transform(rows: [[Double]]) throws(PreprocessingError) -> [[Double]] {
        try map.apply(rows: rows, inverse: false, owner: "StandardScaler")
    }

    public func inverseTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: true, owner: "StandardScaler")
    }

    /// Undoes ``transform(rows:)``: `x · scale + mean`.
    ///
    /// - Throws: ``PreprocessingError/notFitted(_:)``, ``PreprocessingError/shapeMismatch(expected:found:)``
    ///   when a row's width is not the fitted one.
    public func inverseTransform(rows: [[Double]]) throws(PreprocessingError) -> [[Double]] {
        try map.apply(rows: rows, inverse: true, owner: "StandardScaler")
    }

    /// Fits on `rows` and returns them transformed (``fit(rows:)`` then ``transform(rows:)``).
    ///
    /// - Throws: What ``fit(rows:)`` throws.
    public mutating func fitTransform(rows: [[Double]]) throws(PreprocessingError) -> [[Double]] {
        try fit(rows: rows)
        return try transform(rows: rows)
    }

    public func transform(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        throws(PreprocessingError)
    {
        try map.apply(row: row, into: output, owner: "StandardScaler")
    }

    private enum CodingKeys: String, CodingKey { case map, variance }

    /// Reads a scaler written by ``encode(to:)``; `variance` may be absent (files written before it was
    /// stored), and is then `scale²`.
    ///
    /// - Throws: `DecodingError` when the statistics are not finite, a scale is 0, or the variances
    ///   are not one non-negative finite number per feature.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        map = try container.decode(AffineMap.self, forKey: .map)
        if let variance = try container.decodeIfPresent([Double].self, forKey: .variance) {
            func fail(_ reason: String) -> DecodingError {
                .dataCorruptedError(forKey: .variance, in: container, debugDescription: reason)
            }
            guard variance.count == map.center.count else {
                throw fail("expected one variance per mean (\(map.center.count)), found \(variance.count)")
            }
            if let bad = variance.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw fail("expected finite non-negative numbers, entry \(bad) is \(variance[bad])")
            }
            fittedVariance = variance
        } else {
            fittedVariance = map.scale.map { $0 * $0 }
        }
    }

    /// Writes the fitted statistics (`map` with the means and scales, and `variance`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(map, forKey: .map)
        try container.encode(fittedVariance, forKey: .variance)
    }
}
