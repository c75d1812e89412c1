import Tensor

/// Downsamples sequences by the maximum of each window of steps.
///
/// Input `[batch, steps, channels]` (channels last) → output `[batch, outSteps, channels]`, each
/// output the largest input in its `poolSize` window, windows `strides` apart (the pool size by
/// default). With ``Padding/valid`` `n` steps give `floor((n − pool) / stride) + 1` outputs; with
/// ``Padding/same`` `ceil(n / stride)`, padded as TensorFlow does (padded steps never win). The
/// gradient goes to each window's maximum (the first one on ties, as in TensorFlow). No weights.
/// Keras: `MaxPooling1D(pool_size=2, strides=None, padding="valid")`.
///
///     MaxPooling1D()                                          // [batch, 8, 32] → [batch, 4, 32]
///     MaxPooling1D(poolSize: 3, strides: 2, padding: .same)   // [batch, 7, 4] → [batch, 4, 4]
///
/// It runs as a ``MaxPooling2D`` with `[1, poolSize]` windows on sequences viewed as images of height 1.
public final class MaxPooling1D: Layer {
    /// MaxPooling1D's hyperparameters, read as `pool.poolSize`, `pool.strides`, `pool.padding`.
    public struct Configuration: LayerConfiguration {
        /// The window length in steps (Keras `pool_size`).
        public var poolSize: Int
        /// The step between windows (Keras `strides`; the pool size when not given).
        public var strides: Int
        /// Whether windows stay inside the input (`valid`) or the input is padded (`same`).
        public var padding: Padding
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "MaxPooling1D"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The 2-D pooling that does the work, configured from ``configuration`` at each `forward`.
    private let planar = MaxPooling2D()
    /// The height-1 view of the sequences, with the last output shape.
    private var sequence = PlanarSequence()

    /// Creates a layer pooling windows of `poolSize` steps: `MaxPooling1D(poolSize: 2)`.
    /// - Parameters:
    ///   - poolSize: The window length (Keras `pool_size`), 2 by default.
    ///   - strides: The step between windows; the pool size when `nil`, as in Keras.
    ///   - padding: `.valid` (default) or `.same` (`.causal` throws when built).
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `max_pooling1d`, `max_pooling1d_1`, ….
    public convenience init(poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid, name: String = "") {
        self.init(
            configuration: Configuration(poolSize: poolSize, strides: strides ?? poolSize, padding: padding, name: name)
        )
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try self.padding.refuseCausal(layer: name)
        for (argument, value) in [("poolSize", self.poolSize), ("strides", self.strides)] {
            guard value > 0 else {
                throw LayerError.invalidArgument(
                    layer: name, argument: argument, value: "\(value)", expected: "a positive integer")
            }
        }
        guard inputShape.count == 2, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "[steps, channels]", received: inputShape)
        }
        let window = try self.padding.window(
            input: inputShape[0], kernel: self.poolSize, stride: self.strides, layer: name, inputShape: inputShape)
        return [window.outputSize, inputShape[1]]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        planar.configuration = MaxPooling2D.Configuration(
            poolSize: [1, self.poolSize], strides: [1, self.strides], padding: self.padding, name: name)
        return try sequence.forward(
            input, through: planar, outputShape: outputShape(for:), training: training, name: name)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try sequence.backward(outputGradient, through: planar, name: name)
    }
}
