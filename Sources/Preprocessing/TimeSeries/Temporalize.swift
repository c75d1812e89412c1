import Tensor

/// Sliding windows over a multivariate series, exactly as the reference code's `temporalize`.
///
/// For `i` in `0 ..< N − lookback − 1`, window `i` holds rows `i+2, i+3, …, i+lookback+1` and takes
/// the label of its last row, `labels[i + lookback + 1]`. (The reference skips the first row; the
/// function reproduces it so that windows line up with the published splits.)
///
/// ```swift
/// let (windows, windowLabels) = try temporalize(features, labels: labels, lookback: 5)
/// // windows.shape == [N − 6, 5, features.shape[1]]
/// ```
///
/// - Parameters:
///   - x: `[N, features]`.
///   - labels: one label per row.
///   - lookback: The window length in rows (≥ 1).
/// - Returns: windows `[N − lookback − 1, lookback, features]` and their labels.
/// - Throws: ``PreprocessingError`` when `x` is not 2-D, the label count differs from `N`, or
///   `lookback < 1` or `N < lookback + 2` (no window would fit).
public func temporalize<Label>(_ x: Tensor, labels: [Label], lookback: Int) throws(PreprocessingError)
    -> (windows: Tensor, labels: [Label])
{
    guard x.rank == 2 else { throw .shapeMismatch(expected: "a 2-D [rows, features] tensor", found: x.shape) }
    let (rows, features) = (x.shape[0], x.shape[1])
    guard labels.count == rows else {
        throw .invalidArgument("temporalize: \(labels.count) labels for \(rows) rows")
    }
    guard lookback >= 1 else { throw .invalidArgument("temporalize: lookback must be at least 1, got \(lookback)") }
    guard lookback <= rows - 2 else {
        let needed = lookback < Int.max - 1 ? "\(lookback + 2)" : "lookback + 2"
        throw .invalidArgument("temporalize: lookback \(lookback) needs at least \(needed) rows, got \(rows)")
    }
    let count = rows - lookback - 1
    let (windowSize, overflow) = lookback.multipliedReportingOverflow(by: features)
    let (total, overflow2) = count.multipliedReportingOverflow(by: windowSize)
    guard !overflow, !overflow2 else {
        throw .invalidArgument(
            "temporalize: \(count) windows of \(lookback) × \(features) values are too many to count")
    }
    var scalars = [Float](repeating: 0, count: total)
    x.withUnsafeBufferPointer { source in
        scalars.withUnsafeMutableBufferPointer { target in
            for i in 0..<count {
                let from = (i + 2) * features
                target.baseAddress!.advanced(by: i * windowSize)
                    .update(from: source.baseAddress!.advanced(by: from), count: windowSize)
            }
        }
    }
    return (
        Tensor(shape: [count, lookback, features], scalars: scalars),
        (0..<count).map { labels[$0 + lookback + 1] }
    )
}

/// The last timestep of each window: `[samples, timesteps, features]` → `[samples, features]`
/// (the reference code's `flatten`).
///
/// - Throws: ``PreprocessingError/shapeMismatch(expected:found:)`` unless `windows` is 3-D.
public func flatten(_ windows: Tensor) throws(PreprocessingError) -> Tensor {
    guard windows.rank == 3 else {
        throw .shapeMismatch(expected: "a 3-D [samples, timesteps, features] tensor", found: windows.shape)
    }
    let (samples, steps, features) = (windows.shape[0], windows.shape[1], windows.shape[2])
    var scalars = [Float](repeating: 0, count: samples * features)
    windows.withUnsafeBufferPointer { source in
        for i in 0..<samples {
            for j in 0..<features { scalars[i * features + j] = source[(i * steps + steps - 1) * features + j] }
        }
    }
    return Tensor(shape: [samples, features], scalars: scalars)
}
