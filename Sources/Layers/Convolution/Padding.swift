/// How a convolution or pooling window treats the border of its input (Keras `padding`).
///
/// For a window `k` with taps `d` apart (the dilation rate, 1 unless a ``Conv1D`` or ``Conv2D`` sets
/// it), which spans `(k − 1)·d + 1` inputs, and a stride `s`, an axis of size `n` gives:
/// - ``valid``: no padding; windows lie wholly inside the input: `floor((n − (k − 1)·d − 1) / s) + 1`
///   outputs.
/// - ``same``: padding as TensorFlow adds it: `ceil(n / s)` outputs, a total padding of
///   `max((out − 1)·s + (k − 1)·d + 1 − n, 0)` split with the smaller half before (top/left).
/// - ``causal``: `(k − 1)·d` zeros before the input, none after, so output `t` sees inputs up to
///   `t·s` only: `ceil(n / s)` outputs. Only ``Conv1D`` takes it, as in Keras; the 2-D layers and the
///   pooling layers throw ``LayerError/invalidArgument(layer:argument:value:expected:)``.
///
///     MaxPooling2D(poolSize: 2, padding: .same)               // [7, 7, c] → [4, 4, c]
///     Conv1D(filters: 8, kernelSize: 3, padding: .causal)     // [59, c] → [59, 8]
public enum Padding: String, Codable, Sendable {
    /// No padding (Keras `"valid"`).
    case valid
    /// TensorFlow's `"same"` padding: the output size is `ceil(n / stride)`.
    case same
    /// Keras' `"causal"` padding (1-D convolutions only): `(kernelSize − 1)·dilationRate` zeros before
    /// the sequence, so no output depends on a later step.
    case causal
}

extension Padding {
    /// Throws unless the padding is `valid` or `same`: what every layer but ``Conv1D`` takes.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for `causal`.
    func refuseCausal(layer: String) throws {
        guard self != .causal else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "padding", value: "causal",
                expected: "valid or same (causal padding is for 1-D convolutions only)")
        }
    }

    /// The output size and the padding added before the input (top or left) along one spatial axis,
    /// following TensorFlow.
    ///
    /// With the window's span `e = (k − 1)·d + 1`:
    /// - valid: `out = (n − e) / s + 1` (floor), no padding; throws when `n < e`.
    /// - same: `out = ceil(n / s)`, `total = max((out − 1)·s + e − n, 0)`, `before = total / 2`
    ///   (the rest, `total − before`, goes after).
    /// - causal (only with `allowsCausal`): `out = ceil(n / s)`, `before = e − 1`, nothing after.
    ///
    ///     try Padding.same.window(input: 7, kernel: 3, stride: 2, layer: "pool", inputShape: [7, 7, 1])
    ///     // (outputSize: 4, padBefore: 1)
    ///
    /// - Parameters:
    ///   - n: The input size along the axis.
    ///   - k: The window (kernel or pool) size, positive.
    ///   - s: The stride, positive.
    ///   - d: The dilation rate (taps `d` inputs apart), positive; 1 by default.
    ///   - allowsCausal: Whether `causal` is accepted (1-D convolutions); `false` by default.
    ///   - layer: The layer name for errors.
    ///   - inputShape: The whole input shape (batch axis excluded), for errors.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for a non-positive
    ///   window, stride or dilation, or `causal` without `allowsCausal`;
    ///   ``LayerError/incompatibleInput(layer:expected:received:)`` when a `valid` window does not fit
    ///   (`n < e`) or the axis is empty; ``LayerError/tooLarge(layer:tensor:size:limit:)`` for a
    ///   window, stride, dilation or span above ``SizeLimit/maximumElementCount``.
    func window(
        input n: Int, kernel k: Int, stride s: Int, dilation d: Int = 1, allowsCausal: Bool = false,
        layer: String, inputShape: [Int]
    ) throws -> (outputSize: Int, padBefore: Int) {
        if !allowsCausal { try refuseCausal(layer: layer) }
        guard k > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "kernel size", value: "\(k)", expected: "a positive integer")
        }
        guard s > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "strides", value: "\(s)", expected: "a positive integer")
        }
        guard d > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "dilationRate", value: "\(d)", expected: "a positive integer")
        }
        // Each of k, s, d, n is below 2³¹, so the span (k − 1)·d + 1 cannot overflow Int.
        let limit = SizeLimit.maximumElementCount
        guard k <= limit, s <= limit, d <= limit, n <= limit, (k - 1) * d + 1 <= limit else {
            throw LayerError.tooLarge(
                layer: layer, tensor: "window",
                size: "input \(n), kernel \(k), stride \(s)" + (d == 1 ? "" : ", dilation \(d)"), limit: limit)
        }
        let span = (k - 1) * d + 1
        guard n > 0 else {
            throw LayerError.incompatibleInput(layer: layer, expected: "positive spatial sizes", received: inputShape)
        }
        switch self {
        case .valid:
            guard n >= span else {
                throw LayerError.incompatibleInput(
                    layer: layer, expected: "spatial sizes of at least the window \(span) with valid padding",
                    received: inputShape)
            }
            return ((n - span) / s + 1, 0)
        case .same:
            let out = (n + s - 1) / s
            let total = Swift.max((out - 1) * s + span - n, 0)
            return (out, total / 2)
        case .causal:
            return ((n + s - 1) / s, span - 1)
        }
    }
}
