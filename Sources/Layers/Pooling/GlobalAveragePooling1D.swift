import Tensor

/// Averages sequences over their steps: Keras' `GlobalAveragePooling1D`.
///
/// Input `[batch, steps, channels]` (channels last) → output `[batch, channels]`, or
/// `[batch, 1, channels]` with `keepDims`: each channel's mean over the steps. The gradient of
/// every step is the output's gradient divided by the number of steps. No weights. Keras:
/// `GlobalAveragePooling1D(keepdims=False)`.
///
///     GlobalAveragePooling1D()                  // [batch, 59, 16] → [batch, 16]
///     GlobalAveragePooling1D(keepDims: true)    // [batch, 59, 16] → [batch, 1, 16]
public final class GlobalAveragePooling1D: Layer {
    /// GlobalAveragePooling1D's hyperparameters, read as `pool.keepDims`.
    public struct Configuration: LayerConfiguration {
        /// Whether the output keeps the steps axis, of length 1 (Keras `keepdims`).
        public var keepDims: Bool
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "GlobalAveragePooling1D"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The input shape (batch axis included) of the last `forward`.
    private var lastInputShape: [Int]?

    /// Creates a layer averaging over the steps.
    /// - Parameters:
    ///   - keepDims: Whether to keep the steps axis (length 1); `false` by default, as in Keras.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `global_average_pooling1d`, `global_average_pooling1d_1`, ….
    public convenience init(keepDims: Bool = false, name: String = "") {
        self.init(configuration: Configuration(keepDims: keepDims, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "[steps, channels]", received: inputShape)
        }
        return self.keepDims ? [1, inputShape[1]] : [inputShape[1]]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank == 3 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[steps, channels]", received: Array(input.shape.dropFirst()))
        }
        let shape = [input.shape[0]] + (try outputShape(for: Array(input.shape.dropFirst())))
        let (batch, steps, channels) = (input.shape[0], input.shape[1], input.shape[2])
        let count = Float(steps)
        lastInputShape = input.shape
        return Tensor(
            shape: shape,
            unsafeUninitializedScalars: { out in
                guard batch > 0 else { return }
                input.withUnsafeBufferPointer { x in
                    // Sums step by step (a fixed order), then divides: every thread count gives the same.
                    for b in 0..<batch {
                        let sums = out.baseAddress! + b * channels
                        let sample = x.baseAddress! + b * steps * channels
                        sums.update(from: sample, count: channels)
                        for t in 1..<steps {
                            let row = sample + t * channels
                            for c in 0..<channels { sums[c] += row[c] }
                        }
                        for c in 0..<channels { sums[c] /= count }
                    }
                }
            })
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let lastInputShape else { throw LayerError.notBuilt(layer: name) }
        let (batch, steps, channels) = (lastInputShape[0], lastInputShape[1], lastInputShape[2])
        let expected = [batch] + (self.keepDims ? [1, channels] : [channels])
        guard outputGradient.shape == expected else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \(Array(expected.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        let count = Float(steps)
        return Tensor(
            shape: lastInputShape,
            unsafeUninitializedScalars: { dx in
                guard batch > 0 else { return }
                outputGradient.withUnsafeBufferPointer { dy in
                    for b in 0..<batch {
                        let gradient = dy.baseAddress! + b * channels
                        let sample = dx.baseAddress! + b * steps * channels
                        for t in 0..<steps {
                            let row = sample + t * channels
                            for c in 0..<channels { row[c] = gradient[c] / count }
                        }
                    }
                }
            })
    }
}
