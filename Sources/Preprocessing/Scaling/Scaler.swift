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
    /// Scales one row of `features` values into `output` (same count), without allocating: the
    /// streaming path. The values are bit-identical to ``transform(_:)`` of a tensor holding the row.
    ///
    /// ```swift
    /// try raw.withUnsafeBufferPointer { row in try scaler.transform(row: row, into: scaledRow) }
    /// ```
    ///
    /// The default implementation goes through ``transform(_:)`` (and allocates); the built-in scalers
    /// compute in place.
    /// - Throws: ``PreprocessingError/notFitted(_:)``, ``PreprocessingError/shapeMismatch(expected:found:)``
    ///   when the row's or `output`'s width is not the fitted one.
    func transform(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        throws(PreprocessingError)
}

extension Scaler {
    /// Fits on `x` and returns `x` transformed.
    public mutating func fitTransform(_ x: Tensor) throws(PreprocessingError) -> Tensor {
        try fit(x)
        return try transform(x)
    }

    public func transform(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        throws(PreprocessingError)
    {
        guard row.count == output.count else {
            throw .shapeMismatch(expected: "an output row of \(row.count) values", found: [output.count])
        }
        let scaled = try transform(Tensor(shape: [1, row.count], scalars: Array(row)))
        scaled.withUnsafeBufferPointer { values in _ = output.update(fromContentsOf: values) }
    }
}

/// `y = (x − center) / scale + offset`, per feature (the last axis) or, with one entry, for all values.
///
/// Decoding checks what fitting guarantees (as many centers as scales, finite values, scales not 0),
/// so a saved scaler read back from a file never scales to NaN or infinity without a word.
struct AffineMap: Sendable, Equatable, Codable {
    var center: [Double]
    var scale: [Double]
    var offset: Double = 0

    init(center: [Double], scale: [Double], offset: Double = 0) {
        (self.center, self.scale, self.offset) = (center, scale, offset)
    }

    private enum CodingKeys: String, CodingKey { case center, scale, offset }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let center = try container.decode([Double].self, forKey: .center)
        let scale = try container.decode([Double].self, forKey: .scale)
        let offset = try container.decodeIfPresent(Double.self, forKey: .offset) ?? 0
        func fail(_ key: CodingKeys, _ reason: String) -> DecodingError {
            .dataCorruptedError(forKey: key, in: container, debugDescription: reason)
        }
        guard center.count == scale.count else {
            throw fail(.scale, "expected as many scales as centers (\(center.count)), found \(scale.count)")
        }
        if let bad = center.firstIndex(where: { !$0.isFinite }) {
            throw fail(.center, "expected finite numbers, entry \(bad) is \(center[bad])")
        }
        if let bad = scale.firstIndex(where: { !$0.isFinite || $0 == 0 }) {
            throw fail(.scale, "expected finite non-zero numbers, entry \(bad) is \(scale[bad])")
        }
        guard offset.isFinite else { throw fail(.offset, "expected a finite number, found \(offset)") }
        self.init(center: center, scale: scale, offset: offset)
    }

    /// Scales one row in place of `output`, with the formula of ``apply(_:inverse:owner:)`` (bit-identical).
    func apply(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>, owner: String)
        throws(PreprocessingError)
    {
        let width = center.count
        guard width > 0 else { throw .notFitted(owner) }
        guard width == 1 || row.count == width else {
            throw .shapeMismatch(expected: "a row of \(width) features (as fitted)", found: [row.count])
        }
        guard output.count == row.count else {
            throw .shapeMismatch(expected: "an output row of \(row.count) values", found: [output.count])
        }
        for i in row.indices {
            let j = width == 1 ? 0 : i
            output[i] = Float((Double(row[i]) - center[j]) / scale[j] + offset)
        }
    }

    /// `rows` scaled in `Double`, with the formula of ``apply(_:inverse:owner:)``.
    func apply(rows: [[Double]], inverse: Bool, owner: String) throws(PreprocessingError) -> [[Double]] {
        let width = center.count
        guard width > 0 else { throw .notFitted(owner) }
        var result = rows
        for r in result.indices {
            guard width == 1 || result[r].count == width else {
                throw .shapeMismatch(
                    expected: "rows of \(width) features (as fitted), row \(r) has \(result[r].count)",
                    found: [rows.count, result[r].count])
            }
            for i in result[r].indices {
                let j = width == 1 ? 0 : i
                let v = result[r][i]
                result[r][i] = inverse ? (v - offset) * scale[j] + center[j] : (v - center[j]) / scale[j] + offset
            }
        }
        return result
    }

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

/// Columns of `[samples][features]` rows, after checking that there is a row, that every row has the
/// first one's width (at least 1) and that every value is finite.
func featureColumns(rows: [[Double]], for owner: String) throws(PreprocessingError) -> [[Double]] {
    guard let width = rows.first?.count, width > 0 else {
        throw .shapeMismatch(
            expected: "at least one row of at least one feature to fit \(owner)",
            found: [rows.count, rows.first?.count ?? 0])
    }
    for (r, row) in rows.enumerated() {
        guard row.count == width else {
            throw .shapeMismatch(
                expected: "rows of \(width) features to fit \(owner) (as the first one), row \(r) has \(row.count)",
                found: [rows.count, row.count])
        }
        if let j = row.firstIndex(where: { !$0.isFinite }) {
            throw .invalidArgument("\(owner) cannot fit non-finite values: sample \(r), feature \(j) is \(row[j])")
        }
    }
    return (0..<width).map { j in rows.map { $0[j] } }
}

/// Throws unless every value of `x` is finite: statistics of NaN or infinite values would scale
/// everything to NaN without a word.
func requireFinite(_ x: Tensor, for owner: String) throws(PreprocessingError) {
    let bad = x.withUnsafeBufferPointer { values in values.firstIndex { !$0.isFinite }.map { ($0, values[$0]) } }
    if let (index, value) = bad {
        let width = x.shape.last ?? 1
        throw .invalidArgument(
            "\(owner) cannot fit non-finite values: sample \(index / Swift.max(width, 1)), "
                + "feature \(index % Swift.max(width, 1)) is \(value)")
    }
}
