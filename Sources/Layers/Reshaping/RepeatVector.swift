import Tensor

/// Repeats a vector `count` times along a new time axis.
///
/// Input `[batch, features]` → output `[batch, count, features]`. It turns an encoder's summary
/// vector into a sequence for an LSTM decoder. No weights. Keras: `RepeatVector(n)`.
///
///     RepeatVector(count: 5)   // [batch, 16] → [batch, 5, 16]
public final class RepeatVector: Layer {
    /// RepeatVector's hyperparameters.
    public struct Configuration: Codable, Equatable, Sendable {
        /// How many times the input is repeated.
        public var count: Int
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "RepeatVector"
    /// The layer name (unique in a model).
    public var name: String
    /// How many times the input is repeated (Keras `n`).
    public let count: Int

    /// Creates a layer that repeats its input `count` times.
    public init(count: Int, name: String = "") {
        self.count = count
        self.name = name
    }

    public convenience init(configuration: Configuration) {
        self.init(count: configuration.count, name: configuration.name)
    }

    public var configuration: Configuration { Configuration(count: count, name: name) }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard count > 0 else {
            throw LayerError.invalidArgument(layer: name, argument: "count", value: "\(count)", expected: "a positive integer")
        }
        guard inputShape.count == 1 else {
            throw LayerError.incompatibleInput(layer: name, expected: "[features]", received: inputShape)
        }
        return [count, inputShape[0]]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        let (batch, width) = (input.shape[0], shape[1])
        var output = Tensor(zeros: [batch] + shape)
        output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { x in
                for b in 0..<batch {
                    for step in 0..<count {
                        (out.baseAddress! + (b * count + step) * width).update(from: x.baseAddress! + b * width, count: width)
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
                    for step in 0..<count {
                        for j in 0..<width { dx[b * width + j] += dy[(b * count + step) * width + j] }
                    }
                }
            }
        }
        return inputGradient
    }
}
