import CKernels
import Tensor

/// An element-wise (or, for softmax, row-wise) activation function, named as in Keras.
///
/// Each case carries its Keras string as `rawValue`, which is what a saved configuration stores.
/// Derivatives are computed from the activation's *output*, so layers cache outputs only.
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// `x`.
    case linear
    /// `max(0, x)`.
    case relu
    /// `tanh(x)`.
    case tanh
    /// `1 / (1 + e⁻ˣ)`.
    case sigmoid
    /// Keras 2's hard sigmoid `clip(0.2·x + 0.5, 0, 1)`, the LSTM recurrent activation of the
    /// reference articles. (Keras 3 redefined `hard_sigmoid` as `clip(x/6 + 0.5, 0, 1)`.)
    case hardSigmoid = "hard_sigmoid"
    /// `eˣ / Σ eˣ` over the last axis.
    case softmax

    /// Applies the activation to a tensor.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        y.withUnsafeMutableBufferPointer { apply(to: $0, width: x.shape.last ?? 1) }
        return y
    }

    /// Applies the activation in place to rows of `width` elements.
    public func apply(to buffer: UnsafeMutableBufferPointer<Float>, width: Int) {
        switch self {
        case .linear, .relu, .tanh, .sigmoid, .hardSigmoid:
            rek_activation_forward(kernelCode, buffer.baseAddress, buffer.count)
        case .softmax:
            var row = 0
            while row < buffer.count {
                var peak = -Float.infinity
                for j in row..<(row + width) { peak = Swift.max(peak, buffer[j]) }
                var total: Float = 0
                for j in row..<(row + width) {
                    buffer[j] = expf(buffer[j] - peak)
                    total += buffer[j]
                }
                for j in row..<(row + width) { buffer[j] /= total }
                row += width
            }
        }
    }

    /// Turns `gradient` (with respect to the output) into the gradient with respect to the input,
    /// in place, given the activation's output `output`.
    public func backpropagate(
        _ gradient: UnsafeMutableBufferPointer<Float>, output: UnsafeBufferPointer<Float>, width: Int
    ) {
        switch self {
        case .linear: break
        case .relu, .tanh, .sigmoid, .hardSigmoid:
            rek_activation_backward(
                kernelCode, gradient.baseAddress, output.baseAddress, gradient.baseAddress, gradient.count)
        case .softmax:
            var row = 0
            while row < gradient.count {
                var dot: Float = 0
                for j in row..<(row + width) { dot += gradient[j] * output[j] }
                for j in row..<(row + width) { gradient[j] = output[j] * (gradient[j] - dot) }
                row += width
            }
        }
    }

    /// The gradient with respect to the activation's input, from the gradient with respect to its
    /// output and the output itself (rows along the last axis, for softmax).
    public func backpropagate(_ gradient: Tensor, output: Tensor) -> Tensor {
        precondition(
            gradient.shape == output.shape, "activation gradient of shape \(gradient.shape) for output \(output.shape)")
        switch self {
        case .linear:
            return gradient
        case .relu, .tanh, .sigmoid, .hardSigmoid:
            // Written into a new buffer in one pass (no copy of `gradient` first).
            return Tensor(
                shape: gradient.shape,
                unsafeUninitializedScalars: { result in
                    gradient.withUnsafeBufferPointer { g in
                        output.withUnsafeBufferPointer { y in
                            rek_activation_backward(
                                kernelCode, g.baseAddress, y.baseAddress, result.baseAddress, result.count)
                        }
                    }
                })
        case .softmax:
            var result = gradient
            result.withUnsafeMutableBufferPointer { g in
                output.withUnsafeBufferPointer { y in backpropagate(g, output: y, width: gradient.shape.last ?? 1) }
            }
            return result
        }
    }

    /// The code of this activation in the C kernels (element-wise activations only).
    var kernelCode: Int32 {
        switch self {
        case .linear, .softmax: Int32(REK_LINEAR)
        case .relu: Int32(REK_RELU)
        case .tanh: Int32(REK_TANH)
        case .sigmoid: Int32(REK_SIGMOID)
        case .hardSigmoid: Int32(REK_HARD_SIGMOID)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
