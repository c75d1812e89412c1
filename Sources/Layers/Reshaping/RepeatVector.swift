import Tensor

/// Repeats a vector `count` times along a new time axis.
///
/// Input `[batch, features]` → output `[batch, count, features]`. It turns an encoder's summary
/// vector into a sequence for an LSTM decoder. No weights. Keras: `RepeatVector(n)`.
///
///     RepeatVector(count: 5)   // [batch, 16] → [batch, 5, 16]
public final class RepeatVector: Layer {
    /// RepeatVector's hyperparameters, read as `repeatVector.count`.
    public struct Configuration: LayerConfiguration {
        /// How many times the input is repeated (Keras `n`).
        public var count: Int
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "RepeatVector"
    /// The hyperparameters.
    public var configuration: Configuration

    /// Creates a layer that repeats its input `count` times.
    public convenience init(count: Int, name: String = "") {
        self.init(configuration: Configuration(count: count, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard self.count > 0 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "count", value: "\(self.count)", expected: "a positive integer")
        }
        guard inputShape.count == 1 else {
            throw LayerError.incompatibleInput(layer: name, expected: "[features]", received: inputShape)
        }
        try SizeLimit.check([self.count, inputShape[0]], layer: name, tensor: "output")
        return [self.count, inputShape[0]]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        let (batch, width) = (input.shape[0], shape[1])
        var output = Tensor(zeros: [batch] + shape)
        output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { x in
                for b in 0..<batch {
                    for step in 0..<self.count {
                        (out.baseAddress! + (b * self.count + step) * width).update(
                            from: x.baseAddress! + b * width, count: width)
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        let (batch, width) = (outputGradient.shape[0], outputGradient.shape[2])
        var inputGradient = Tensor(zeros: [batch, width])
        inputGradient.withUnsafeMutableBufferPointer { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                for b in 0..<batch {
                    for step in 0..<self.count {
                        for j in 0..<width { dx[b * width + j] += dy[(b * self.count + step) * width + j] }
                    }
                }
            }
        }
        return inputGradient
    }
}
