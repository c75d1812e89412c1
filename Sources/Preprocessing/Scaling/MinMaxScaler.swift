import Tensor

/// Maps each feature's training range onto `featureRange` (default `0...1`).
///
/// Like scikit-learn's `MinMaxScaler`: a constant feature (zero range) gets a scale of 1. Values
/// outside the training range map outside `featureRange` (no clipping). ``dataMin``, ``dataMax``,
/// ``dataRange``, ``scale`` and ``min`` are sklearn's `data_min_`, `data_max_`, `data_range_`, `scale_`
/// and `min_`; fit `Double` rows with ``fit(rows:)`` for sklearn's float64 results.
///
/// ```swift
/// var scaler = MinMaxScaler(featureRange: -1...1)
/// let scaled = try scaler.fitTransform(rows: [[0, 5], [10, 5]])   // [[-1, -1], [1, -1]]
/// ```
public struct MinMaxScaler: Scaler, Equatable, Codable {
    /// The target range.
    public let featureRange: ClosedRange<Double>
    private var map = AffineMap(center: [], scale: [])
    private var fittedMax: [Double] = []

    /// Creates an unfitted scaler for the given target range.
    ///
    /// - Parameter featureRange: The range the training data is mapped onto; fitting throws unless its
    ///   bounds are finite and the lower one is below the upper one.
    public init(featureRange: ClosedRange<Double> = 0...1) {
        self.featureRange = featureRange
    }

    /// The fitted per-feature minima, sklearn's `data_min_` (empty before fitting).
    public var dataMin: [Double] { map.center }
    /// The fitted per-feature maxima, sklearn's `data_max_` (empty before fitting).
    ///
    /// A scaler read from a file saved before the maxima were stored reports `dataMin + range`, with a
    /// range of 1 for a constant feature.
    public var dataMax: [Double] { fittedMax }
    /// The fitted per-feature ranges `dataMax − dataMin`, sklearn's `data_range_` (0 for a constant feature).
    public var dataRange: [Double] { zip(fittedMax, map.center).map { $0 - $1 } }
    /// The per-feature factors, sklearn's `scale_`: `featureRange` width over ``dataRange``, with a
    /// range of 1 for a constant feature. A value `x` maps to `x · scale + min`.
    public var scale: [Double] {
        let width = featureRange.upperBound - featureRange.lowerBound
        return dataRange.map { width / MinMaxScaler.handlingZero($0) }
    }
    /// The per-feature offsets, sklearn's `min_`: `featureRange.lowerBound − dataMin · scale`.
    public var min: [Double] { zip(dataMin, scale).map { featureRange.lowerBound - $0 * $1 } }

    /// sklearn's `_handle_zeros_in_scale`: a range within round-off of zero counts as 1.
    private static func handlingZero(_ range: Double) -> Double { range < 10 * Double.ulpOfOne ? 1 : range }

    public mutating func fit(_ x: Tensor) throws(PreprocessingError) {
        try fit(columns: featureColumns(x, for: "MinMaxScaler"))
    }

    /// Learns each feature's minimum and maximum of `[samples][features]` rows in `Double`, as
    /// scikit-learn does for a float64 array.
    ///
    /// - Parameter rows: At least one row; every row has the same number of features.
    /// - Throws: ``PreprocessingError/shapeMismatch(expected:found:)`` for no rows, empty or ragged rows,
    ///   ``PreprocessingError/invalidArgument(_:)`` for NaN or an infinity, or a `featureRange` that is
    ///   empty or not finite.
    public mutating func fit(rows: [[Double]]) throws(PreprocessingError) {
        try fit(columns: featureColumns(rows: rows, for: "MinMaxScaler"))
    }

    private mutating func fit(columns: [[Double]]) throws(PreprocessingError) {
        let (low, high) = (featureRange.lowerBound, featureRange.upperBound)
        guard low.isFinite, high.isFinite, low < high else {
            throw .invalidArgument(
                "MinMaxScaler needs a feature range with finite bounds, lower < upper, found \(low)...\(high)")
        }
        let minima = columns.map { $0.min()! }
        let maxima = columns.map { $0.max()! }
        map = AffineMap(
            center: minima,
            scale: zip(maxima, minima).map { MinMaxScaler.handlingZero($0 - $1) / (high - low) },
            offset: low)
        fittedMax = maxima
    }

    public func transform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: false, owner: "MinMaxScaler")
    }

    /// Scales `[samples][features]` rows in `Double`.
    ///
    /// - Throws: ``PreprocessingError/notFitted(_:)``, ``PreprocessingError/shapeMismatch(expected:found:)``
    ///   when a row's width is not the fitted one.
    public func transform(rows: [[Double]]) throws(PreprocessingError) -> [[Double]] {
        try map.apply(rows: rows, inverse: false, owner: "MinMaxScaler")
    }

    public func inverseTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try map.apply(x, inverse: true, owner: "MinMaxScaler")
    }

    /// Undoes ``transform(rows:)``.
    ///
    /// - Throws: ``PreprocessingError/notFitted(_:)``, ``PreprocessingError/shapeMismatch(expected:found:)``
    ///   when a row's width is not the fitted one.
    public func inverseTransform(rows: [[Double]]) throws(PreprocessingError) -> [[Double]] {
        try map.apply(rows: rows, inverse: true, owner: "MinMaxScaler")
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
        try map.apply(row: row, into: output, owner: "MinMaxScaler")
    }

    private enum CodingKeys: String, CodingKey { case featureRange, map, dataMax }

    /// Reads a scaler written by ``encode(to:)``; `dataMax` may be absent (files written before it was
    /// stored), and is then `dataMin + range`.
    ///
    /// - Throws: `DecodingError` when the statistics are not finite, a scale is 0, or the maxima are
    ///   not one finite number per feature, at least its minimum.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        featureRange = try container.decode(ClosedRange<Double>.self, forKey: .featureRange)
        map = try container.decode(AffineMap.self, forKey: .map)
        let width = featureRange.upperBound - featureRange.lowerBound
        if let maxima = try container.decodeIfPresent([Double].self, forKey: .dataMax) {
            func fail(_ reason: String) -> DecodingError {
                .dataCorruptedError(forKey: .dataMax, in: container, debugDescription: reason)
            }
            guard maxima.count == map.center.count else {
                throw fail("expected one maximum per minimum (\(map.center.count)), found \(maxima.count)")
            }
            if let bad = maxima.indices.first(where: { !maxima[$0].isFinite || maxima[$0] < map.center[$0] }) {
                throw fail("expected finite numbers at least the minimum, entry \(bad) is \(maxima[bad])")
            }
            fittedMax = maxima
        } else {
            fittedMax = zip(map.center, map.scale).map { $0 + $1 * width }
        }
    }

    /// Writes the feature range and the fitted statistics (`map` and `dataMax`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(featureRange, forKey: .featureRange)
        try container.encode(map, forKey: .map)
        try container.encode(fittedMax, forKey: .dataMax)
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
