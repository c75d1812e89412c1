import CKernels
import Tensor

/// A loss function: a scalar to minimize and its gradient with respect to the predictions.
///
/// Like Keras' default `sum_over_batch_size` reduction, built-in losses average over every element
/// of the batch. Conform your own type to add a loss; `compile(optimizer:loss:)` takes any `Loss`.
///
///     model.compile(optimizer: Adam(), loss: .meanSquaredError)
public protocol Loss: Sendable {
    /// The Keras name (`"mse"`), used in summaries and saved models.
    var name: String { get }
    /// The loss of a batch.
    func value(predicted: Tensor, target: Tensor) -> Float
    /// ∂loss/∂predicted.
    func gradient(predicted: Tensor, target: Tensor) -> Tensor
    /// The loss and its gradient together; the default calls ``value(predicted:target:)`` and
    /// ``gradient(predicted:target:)``. Override it when one pass can compute both.
    func valueAndGradient(predicted: Tensor, target: Tensor) -> (value: Float, gradient: Tensor)
}

extension Loss {
    public func valueAndGradient(predicted: Tensor, target: Tensor) -> (value: Float, gradient: Tensor) {
        (value(predicted: predicted, target: target), gradient(predicted: predicted, target: target))
    }
}

/// Mean of an element-wise loss over all elements, with its element-wise derivative.
protocol ElementwiseLoss: Loss {
    func elementLoss(_ predicted: Float, _ target: Float) -> Float
    func elementDerivative(_ predicted: Float, _ target: Float) -> Float
    /// The vectorized C kernel computing this loss (`REK_LOSS_…`), if there is one.
    var kernelCode: Int32? { get }
}

extension ElementwiseLoss {
    var kernelCode: Int32? { nil }

    public func value(predicted: Tensor, target: Tensor) -> Float {
        evaluate(predicted: predicted, target: target, gradient: nil)
    }

    public func gradient(predicted: Tensor, target: Tensor) -> Tensor {
        valueAndGradient(predicted: predicted, target: target).gradient
    }

    public func valueAndGradient(predicted: Tensor, target: Tensor) -> (value: Float, gradient: Tensor) {
        var value: Float = 0
        let gradient = Tensor(
            shape: predicted.shape,
            unsafeUninitializedScalars: {  // every element written
                value = evaluate(predicted: predicted, target: target, gradient: $0)
            })
        return (value, gradient)
    }

    /// The mean loss; also writes ∂loss/∂predicted into `gradient` when given.
    private func evaluate(predicted: Tensor, target: Tensor, gradient: UnsafeMutableBufferPointer<Float>?) -> Float {
        precondition(predicted.shape == target.shape, "loss of shapes \(predicted.shape) and \(target.shape)")
        let scale = 1 / Float(Swift.max(1, predicted.count))
        var total = 0.0
        predicted.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { t in
                if let kernelCode {
                    total = rek_loss(kernelCode, p.baseAddress, t.baseAddress, p.count, gradient?.baseAddress, scale)
                    return
                }
                for i in p.indices {
                    total += Double(elementLoss(p[i], t[i]))
                    gradient?[i] = scale * elementDerivative(p[i], t[i])
                }
            }
        }
        return Float(total / Double(Swift.max(1, predicted.count)))
    }
}

/// `mean((predicted − target)²)`. Keras: `"mse"`, `MeanSquaredError()`.
public struct MeanSquaredError: ElementwiseLoss {
    /// Creates the loss; it has no hyperparameters.
    public init() {}
    public var name: String { "mse" }
    func elementLoss(_ p: Float, _ t: Float) -> Float { (p - t) * (p - t) }
    func elementDerivative(_ p: Float, _ t: Float) -> Float { 2 * (p - t) }
    var kernelCode: Int32? { Int32(REK_LOSS_MSE) }
}

/// `mean(|predicted − target|)`. Keras: `"mae"`, `MeanAbsoluteError()`. The derivative at 0 is 0.
public struct MeanAbsoluteError: ElementwiseLoss {
    /// Creates the loss; it has no hyperparameters.
    public init() {}
    public var name: String { "mae" }
    func elementLoss(_ p: Float, _ t: Float) -> Float { Swift.abs(p - t) }
    func elementDerivative(_ p: Float, _ t: Float) -> Float { p > t ? 1 : (p < t ? -1 : 0) }
    var kernelCode: Int32? { Int32(REK_LOSS_MAE) }
}

/// `−mean(t·log p + (1 − t)·log(1 − p))` on probabilities clipped to `[1e-7, 1 − 1e-7]`, like Keras.
public struct BinaryCrossentropy: ElementwiseLoss {
    /// Creates the loss; it has no hyperparameters.
    public init() {}
    public var name: String { "binary_crossentropy" }
    private static let epsilon: Float = 1e-7
    func elementLoss(_ p: Float, _ t: Float) -> Float {
        let q = Swift.min(Swift.max(p, Self.epsilon), 1 - Self.epsilon)
        return -(t * logf(q) + (1 - t) * logf(1 - q))
    }
    func elementDerivative(_ p: Float, _ t: Float) -> Float {
        guard p > Self.epsilon, p < 1 - Self.epsilon else { return 0 }
        return (p - t) / (p * (1 - p))
    }
}

extension Loss where Self == MeanSquaredError {
    /// Mean squared error (Keras `"mse"`).
    public static var meanSquaredError: MeanSquaredError { MeanSquaredError() }
}

extension Loss where Self == MeanAbsoluteError {
    /// Mean absolute error (Keras `"mae"`).
    public static var meanAbsoluteError: MeanAbsoluteError { MeanAbsoluteError() }
}

extension Loss where Self == BinaryCrossentropy {
    /// Binary cross-entropy on probabilities (Keras `"binary_crossentropy"`).
    public static var binaryCrossentropy: BinaryCrossentropy { BinaryCrossentropy() }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
