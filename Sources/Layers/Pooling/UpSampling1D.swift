import Tensor

/// Lengthens sequences by repeating each step (nearest-neighbour upsampling).
///
/// Input `[batch, steps, channels]` (channels last) → output `[batch, steps · size, channels]`: every
/// step becomes `size` copies in a row. The gradient of a step is the sum over its copies. No
/// weights. Keras: `UpSampling1D(size=2)`.
///
///     UpSampling1D()            // [batch, 4, 16] → [batch, 8, 16]
///     UpSampling1D(size: 3)     // [batch, 5, 2] → [batch, 15, 2]
///
/// It runs as an ``UpSampling2D`` of size `[1, size]` on sequences viewed as images of height 1.
public final class UpSampling1D: Layer {
    /// UpSampling1D's hyperparameters, read as `upSampling.size`.
    public struct Configuration: LayerConfiguration {
        /// The repeat factor (Keras `size`).
        public var size: Int
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "UpSampling1D"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The 2-D upsampling that does the work, configured from ``configuration`` at each `forward`.
    private let planar = UpSampling2D()
    /// The height-1 view of the sequences, with the last output shape.
    private var sequence = PlanarSequence()

    /// Creates a layer repeating each step `size` times: `UpSampling1D(size: 2)`.
    /// - Parameters:
    ///   - size: The repeat factor, 2 by default (Keras' default).
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `up_sampling1d`, `up_sampling1d_1`, ….
    public convenience init(size: Int = 2, name: String = "") {
        self.init(configuration: Configuration(size: size, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard self.size > 0 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "size", value: "\(self.size)", expected: "a positive integer")
        }
        guard inputShape.count == 2, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "[steps, channels]", received: inputShape)
        }
        let output = [
            try SizeLimit.scaled(inputShape[0], by: self.size, layer: name, tensor: "output steps"), inputShape[1],
        ]
        try SizeLimit.check(output, layer: name, tensor: "output")
        return output
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        planar.configuration = UpSampling2D.Configuration(size: [1, self.size], name: name)
        return try sequence.forward(
            input, through: planar, outputShape: outputShape(for:), training: training, name: name)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try sequence.backward(outputGradient, through: planar, name: name)
    }
}
