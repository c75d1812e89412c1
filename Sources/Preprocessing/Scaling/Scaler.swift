import Tensor

/// A transformation fitted on training data and applied, unchanged, to every split
/// (scikit-learn's `fit` / `transform` / `inverse_transform`).
///
/// Feature-wise scalers fit on a 2-D `[samples, features]` tensor and transform any tensor whose last
/// axis has `features` entries, so a scaler fitted on ``flatten(_:)`` of LSTM windows scales every
/// timestep of `[samples, timesteps, features]` windows. Statistics are computed in `Double`.
public protocol Scaler: Sendable {
    /// Learns the statistics of `x`.
    ///
    /// - Throws: ``PreprocessingError/shapeMismatch(expected:found:)`` for an empty or wrongly shaped `x`,
    ///   ``PreprocessingError/invalidArgument(_:)`` when `x` holds NaN or an infinity (scikit-learn would
    ///   skip NaN; here it is refused rather than turned into NaN statistics).
    mutating func fit(_ x: Tensor) throws(PreprocessingError)
    /// Scales `x` with the fitted statistics.
    func transform(_ x: Tensor) throws(PreprocessingError) -> Tensor
    /// Undoes ``transform(_:)``.
    func inverseTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor
}

extension Scaler {
    /// Fits on `x` and returns `x` transformed.
    public mutating func fitTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try fit(x)
        return try transform(x)
    }
}

/// `y = (x − center) / scale + offset`, per feature (the last axis) or, with one entry, for all values.
struct AffineMap: Sendable, Equatable, Codable {
    var center: [Double]
    var scale: [Double]
    var offset: Double = 0

    func apply(_ x: Tensor, inverse: Bool, owner: String) throws(PreprocessingError) -> Tensor {
        let width = center.count
        guard width > 0 else { throw .notFitted(owner) }
        guard width == 1 || x.shape.last == width else {
            throw .shapeMismatch(expected: "a last axis of \(width) features (as fitted)", found: x.shape)
        }
        var result = x
        result.withUnsafeMutableBufferPointer { values in
            for i in values.indices {
                let j = width == 1 ? 0 : i % width
                let v = Double(values[i])
                values[i] = Float(inverse ? (v - offset) * scale[j] + center[j] : (v - center[j]) / scale[j] + offset)
            }
        }
        return result
    }
}

/// Columns of a 2-D tensor as `Double`, after checking the shape and that every value is finite.
func featureColumns(_ x: Tensor, for owner: String) throws(PreprocessingError) -> [[Double]] {
    guard x.rank == 2, x.shape[0] > 0 else {
        throw .shapeMismatch(expected: "a non-empty 2-D [samples, features] tensor to fit \(owner)", found: x.shape)
    }
    try requireFinite(x, for: owner)
    let (rows, width) = (x.shape[0], x.shape[1])
    return x.withUnsafeBufferPointer { values in
        (0..<width).map { j in (0..<rows).map { Double(values[$0 * width + j]) } }
    }
}

/// Throws unless every value of `x` is finite: statistics of NaN or infinite values would scale
/// everything to NaN without a word.
func requireFinite(_ x: Tensor, for owner: String) throws(PreprocessingError) {
    let bad = x.withUnsafeBufferPointer { values in values.firstIndex { !$0.isFinite }.map { ($0, values[$0]) } }
    if let (index, value) = bad {
        let width = x.shape.last ?? 1
        throw .invalidArgument("\(owner) cannot fit non-finite values: sample \(index / Swift.max(width, 1)), "
                               + "feature \(index % Swift.max(width, 1)) is \(value)")
    }
}
