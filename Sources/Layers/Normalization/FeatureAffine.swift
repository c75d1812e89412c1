import Tensor

// The learned scale and offset of the normalization layers, applied along the last (features) axis.

/// `normalized · gamma + beta` along the last axis (either may be absent).
func affine(_ normalized: Tensor, gamma: Tensor?, beta: Tensor?) -> Tensor {
    guard gamma != nil || beta != nil else { return normalized }
    var output = normalized
    let features = normalized.shape[normalized.rank - 1]
    output.withUnsafeMutableBufferPointer { y in
        withScale(gamma, count: features) { scale in
            withScale(beta, count: features, default: 0) { offset in
                for row in 0..<(y.count / Swift.max(1, features)) {
                    let base = row * features
                    for j in 0..<features { y[base + j] = y[base + j] * scale[j] + offset[j] }
                }
            }
        }
    }
    return output
}

/// Adds `Σ dy · x̂` into gamma's and `Σ dy` into beta's gradient, summed over every axis but the last.
func accumulateAffineGradients(_ outputGradient: Tensor, normalized: Tensor, gamma: Parameter?, beta: Parameter?) {
    let features = normalized.shape[normalized.rank - 1]
    let rows = normalized.count / Swift.max(1, features)
    var gammaSums = [Double](repeating: 0, count: features)
    var betaSums = [Double](repeating: 0, count: features)
    outputGradient.withUnsafeBufferPointer { dy in
        normalized.withUnsafeBufferPointer { n in
            for row in 0..<rows {
                let base = row * features
                for j in 0..<features {
                    gammaSums[j] += Double(dy[base + j]) * Double(n[base + j])
                    betaSums[j] += Double(dy[base + j])
                }
            }
        }
    }
    for (parameter, sums) in [(gamma, gammaSums), (beta, betaSums)] {
        guard let parameter else { continue }
        parameter.gradient.withUnsafeMutableBufferPointer { g in
            for j in 0..<features { g[j] += Float(sums[j]) }
        }
    }
}

/// Calls `body` with the scalars of `vector`, or `count` copies of `default` when it is absent.
func withScale<R>(
    _ vector: Tensor?, count: Int, default value: Float = 1, _ body: (UnsafeBufferPointer<Float>) -> R
) -> R {
    if let vector { return vector.withUnsafeBufferPointer(body) }
    return [Float](repeating: value, count: count).withUnsafeBufferPointer(body)
}
