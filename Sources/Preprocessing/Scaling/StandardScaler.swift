import Tensor

/// Standardizes each feature to zero mean and unit variance: `(x − mean) / std`.
///
/// Like scikit-learn's `StandardScaler`: the standard deviation is the population one (`ddof = 0`),
/// and a constant feature (variance within round-off of zero, by sklearn's own bound) gets a scale
/// of 1, so it maps to 0 instead of NaN.
///
/// ```swift
/// var scaler = StandardScaler()
/// try scaler.fit(flatten(trainNormal))
/// let scaled = try scaler.transform(windows)   // any [..., features] tensor
/// ```
public struct StandardScaler: Scaler, Equatable, Codable {
    private var map = AffineMap(center: [], scale: [])

    /// Creates an unfitted scaler.
    public init() {}

    /// The fitted per-feature means (empty before ``fit(_:)``).
    public var mean: [Double] { map.center }
    /// The fitted per-feature scales: the population standard deviations, 1 for constant features.
    public var scale: [Double] { map.scale }

    public mutating func fit(_ x: Tensor) throws(PreprocessingError) {
        let columns = try featureColumns(x, for: "StandardScaler")
        let n = Double(x.shape[0])
        var means: [Double] = []
        var scales: [Double] = []
        for column in columns {
            let mean = column.reduce(0, +) / n
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            // sklearn's _is_constant_feature bound.
            let eps = Double.ulpOfOne
            let isConstant = variance <= n * eps * variance + (n * mean * eps) * (n * mean * eps)
            means.append(mean)
            scales.append(isConstant ? 1 : variance.squareRoot())
        }
        map = AffineMap(center: means, scale: scales)
    }

    public func transform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: false, owner: "StandardScaler")
    }

    public func inverseTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: true, owner: "StandardScaler")
    }

    public func transform(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        throws(PreprocessingError)
    {
        try map.apply(row: row, into: output, owner: "StandardScaler")
    }
}
