import Tensor

/// Maps each feature's training range onto `featureRange` (default `0...1`).
///
/// Like scikit-learn's `MinMaxScaler`: a constant feature (zero range) gets a scale of 1. Values
/// outside the training range map outside `featureRange` (no clipping).
public struct MinMaxScaler: Scaler, Equatable, Codable {
    /// The target range.
    public let featureRange: ClosedRange<Double>
    private var map = AffineMap(center: [], scale: [])

    /// Creates an unfitted scaler for the given target range.
    public init(featureRange: ClosedRange<Double> = 0...1) {
        self.featureRange = featureRange
    }

    /// The fitted per-feature minima (empty before ``fit(_:)``).
    public var dataMin: [Double] { map.center }

    public mutating func fit(_ x: Tensor) throws(PreprocessingError) {
        let columns = try featureColumns(x, for: "MinMaxScaler")
        let width = featureRange.upperBound - featureRange.lowerBound
        map = AffineMap(
            center: columns.map { $0.min()! },
            scale: columns.map { column in
                let range = column.max()! - column.min()!
                return (range < 10 * Double.ulpOfOne ? 1 : range) / width
            },
            offset: featureRange.lowerBound)
    }

    public func transform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: false, owner: "MinMaxScaler")
    }

    public func inverseTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: true, owner: "MinMaxScaler")
    }

    public func transform(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        throws(PreprocessingError)
    {
        try map.apply(row: row, into: output, owner: "MinMaxScaler")
    }
}

/// One minimum and one maximum over *all* values, `(x − min) / (max − min)`: the scaling of
/// TensorFlow's ECG5000 autoencoder tutorial, fitted on the training split only.
///
/// When every training value is equal the range is taken as 1 instead of dividing by zero.
public struct GlobalMinMaxScaler: Scaler, Equatable, Codable {
    private var map = AffineMap(center: [], scale: [])

    /// Creates an unfitted scaler.
    public init() {}

    /// The fitted minimum and maximum, or `nil` before ``fit(_:)``.
    public var range: ClosedRange<Double>? {
        map.center.first.map { $0...($0 + map.scale[0]) }
    }

    public mutating func fit(_ x: Tensor) throws(PreprocessingError) {
        guard x.count > 0 else {
            throw .shapeMismatch(expected: "a non-empty tensor to fit GlobalMinMaxScaler", found: x.shape)
        }
        try requireFinite(x, for: "GlobalMinMaxScaler")
        let (low, high) = x.withUnsafeBufferPointer { ($0.min()!, $0.max()!) }
        map = AffineMap(center: [Double(low)], scale: [high > low ? Double(high) - Double(low) : 1])
    }

    public func transform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: false, owner: "GlobalMinMaxScaler")
    }

    public func inverseTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: true, owner: "GlobalMinMaxScaler")
    }

    public func transform(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        throws(PreprocessingError)
    {
        try map.apply(row: row, into: output, owner: "GlobalMinMaxScaler")
    }
}
