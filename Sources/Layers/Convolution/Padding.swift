/// How a convolution or pooling window treats the border of its input (Keras `padding`).
///
/// - ``valid``: no padding; windows lie wholly inside the input, so each spatial axis of size `n`
///   gives `floor((n − k) / s) + 1` outputs for a window `k` and stride `s`.
/// - ``same``: padding as TensorFlow adds it: `ceil(n / s)` outputs, a total padding of
///   `max((out − 1)·s + k − n, 0)` split with the smaller half before (top/left).
///
///     MaxPooling2D(poolSize: 2, padding: .same)   // [7, 7, c] → [4, 4, c]
public enum Padding: String, Codable, Sendable {
    /// No padding (Keras `"valid"`).
    case valid
    /// TensorFlow's `"same"` padding: the output size is `ceil(n / stride)`.
    case same
}

extension Padding {
    /// The output size and the padding added before the input (top or left) along one spatial axis,
    /// following TensorFlow (dilation 1).
    ///
    /// - valid: `out = (n − k) / s + 1` (floor), no padding; throws when `n < k`.
    /// - same: `out = ceil(n / s)`, `total = max((out − 1)·s + k − n, 0)`, `before = total / 2`
    ///   (the rest, `total − before`, goes after).
    ///
    ///     try Padding.same.window(input: 7, kernel: 3, stride: 2, layer: "pool", inputShape: [7, 7, 1])
    ///     // (outputSize: 4, padBefore: 1)
    ///
    /// - Parameters:
    ///   - n: The input size along the axis.
    ///   - k: The window (kernel or pool) size, positive.
    ///   - s: The stride, positive.
    ///   - layer: The layer name for errors.
    ///   - inputShape: The whole input shape (batch axis excluded), for errors.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for a non-positive
    ///   window or stride, ``LayerError/incompatibleInput(layer:expected:received:)`` when a `valid`
    ///   window does not fit (`n < k`) or the axis is empty, ``LayerError/tooLarge(layer:tensor:size:limit:)``
    ///   for a window or stride above ``SizeLimit/maximumElementCount``.
    func window(input n: Int, kernel k: Int, stride s: Int, layer: String, inputShape: [Int]) throws
        -> (outputSize: Int, padBefore: Int)
    {
        guard k > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "kernel size", value: "\(k)", expected: "a positive integer")
        }
        guard s > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "strides", value: "\(s)", expected: "a positive integer")
        }
        guard k <= SizeLimit.maximumElementCount, s <= SizeLimit.maximumElementCount, n <= SizeLimit.maximumElementCount
        else {
            throw LayerError.tooLarge(
                layer: layer, tensor: "window", size: "input \(n), kernel \(k), stride \(s)",
                limit: SizeLimit.maximumElementCount)
        }
        guard n > 0 else {
            throw LayerError.incompatibleInput(layer: layer, expected: "positive spatial sizes", received: inputShape)
        }
        switch self {
        case .valid:
            guard n >= k else {
                throw LayerError.incompatibleInput(
                    layer: layer, expected: "spatial sizes of at least the window \(k) with valid padding",
                    received: inputShape)
            }
            return ((n - k) / s + 1, 0)
        case .same:
            let out = (n + s - 1) / s
            let total = Swift.max((out - 1) * s + k - n, 0)
            return (out, total / 2)
        }
    }
}
