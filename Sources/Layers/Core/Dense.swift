import Tensor

/// A fully connected layer: `output = activation(input · kernel + bias)`.
///
/// Input `[batch, …, inputDim]` → output `[batch, …, units]`; on a sequence the same weights apply
/// to every time step, as in Keras. Kernel `[inputDim, units]` (glorot-uniform), bias `[units]` (zeros).
/// Same weights, defaults and parameter count (`(inputDim + 1) · units`) as `keras.layers.Dense`.
///
///     let encoder = Dense(units: 32, activation: .relu, activityRegularizer: .l1(1e-3))
public final class Dense: Layer, ActivityRegularizing {
    /// Dense's hyperparameters (Keras `get_config`).
    /// Dense's hyperparameters (Keras `get_config`), read as `dense.units`, `dense.activation`, ….
    public struct Configuration: LayerConfiguration {
        /// Output units.
        public var units: Int
        /// The output activation.
        public var activation: Activation
        /// Whether the layer has a bias.
        public var useBias: Bool
        /// Initializer of the kernel.
        public var kernelInitializer: Initializer
        /// Initializer of the bias.
        public var biasInitializer: Initializer
        /// Penalty on the outputs added to the loss.
        public var activityRegularizer: Regularizer?
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "Dense"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The weight matrix `[inputDim, units]`, available once built.
    public private(set) var kernel: Parameter?
    /// The bias `[units]`, when `useBias`.
    public private(set) var bias: Parameter?
    /// The activity penalty of the last forward pass.
    ///
    /// Computed when read (from the cached output), so inference, which never reads it, does not pay for it.
    public var regularizationLoss: Float {
        guard let regularizer = activeRegularizer, let output = cachedOutput else { return 0 }
        return regularizer.loss(output, samples: penaltySamples)
    }

    /// Whether the activity regularizer applies: off when wrapped in ``TimeDistributed``, as in Keras 3.
    var appliesActivityRegularizer = true
    /// The time steps enclosing ``TimeDistributed`` wrappers folded into the batch (Keras 3 penalizes per step).
    var foldedTimeSteps = 1
    /// The penalty's divisor in the last `forward`: the true batch size.
    private var penaltySamples = 1
    /// The activity regularizer when it applies.
    private var activeRegularizer: Regularizer? { appliesActivityRegularizer ? self.activityRegularizer : nil }

    private var cachedInput: Tensor?
    private var cachedOutput: Tensor?

    /// Creates a dense layer.
    /// - Parameters:
    ///   - units: The output size (Keras `units`).
    ///   - activation: Applied to the affine output; `.linear` by default, like Keras.
    ///   - useBias: Whether to add a bias vector.
    ///   - kernelInitializer: `.glorotUniform` by default.
    ///   - biasInitializer: `.zeros` by default.
    ///   - activityRegularizer: An optional penalty on the layer's output (not applied when the layer
    ///     is wrapped in ``TimeDistributed``, as in Keras 3).
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `dense`, `dense_1`, ….
    public convenience init(
        units: Int, activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        activityRegularizer: Regularizer? = nil, name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                units: units, activation: activation, useBias: useBias,
                kernelInitializer: kernelInitializer, biasInitializer: biasInitializer,
                activityRegularizer: activityRegularizer, name: name))
    }

    /// Creates a dense layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard self.units > 0 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "units", value: "\(self.units)", expected: "a positive integer")
        }
        guard let last = inputShape.last, last > 0 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[…, inputDim] with inputDim > 0", received: inputShape)
        }
        if let kernel, kernel.value.shape[0] != last {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[…, \(kernel.value.shape[0])]", received: inputShape)
        }
        try SizeLimit.check([last, self.units], layer: name, tensor: "kernel")
        let output = Array(inputShape.dropLast()) + [self.units]
        try SizeLimit.check(output, layer: name, tensor: "output")
        return output
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        let inputDim = inputShape[inputShape.count - 1]
        kernel = try makeParameter(
            "kernel", shape: [inputDim, self.units], initializer: self.kernelInitializer, layer: name, using: &generator
        )
        bias =
            self.useBias
            ? try makeParameter(
                "bias", shape: [self.units], initializer: self.biasInitializer, layer: name, using: &generator) : nil
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let kernel else { throw LayerError.notBuilt(layer: name) }
        guard input.shape.last == kernel.value.shape[0], input.rank >= 2 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[…, \(kernel.value.shape[0])]", received: Array(input.shape.dropFirst()))
        }
        var output: Tensor
        if self.activation == .softmax {  // row-wise, so a pass of its own
            output = input.matmul(kernel.value, addingRowVector: bias?.value)
            output.withUnsafeMutableBufferPointer { self.activation.apply(to: $0, width: self.units) }
        } else {
            output = input.matmul(
                kernel.value, addingRowVector: bias?.value, activationKernel: self.activation.kernelCode)
        }
        penaltySamples = Swift.max(1, output.batchSize / Swift.max(1, foldedTimeSteps))
        cachedInput = input
        cachedOutput = output
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try backward(outputGradient, needsInputGradient: true)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor {
        guard let kernel, let input = cachedInput, let output = cachedOutput else {
            throw LayerError.notBuilt(layer: name)
        }
        var upstream = outputGradient
        activeRegularizer?.addGradient(of: output, into: &upstream, samples: penaltySamples)
        let gradient = self.activation.backpropagate(upstream, output: output)
        kernel.gradient.addMatmul(input, gradient, transposeLeft: true)
        if let bias {
            bias.gradient.withUnsafeMutableBufferPointer { db in
                gradient.withUnsafeBufferPointer { g in
                    MatrixKernels.accumulateColumnSums(
                        of: g.baseAddress!, rows: g.count / self.units, columns: self.units, into: db.baseAddress!)
                }
            }
        }
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        return gradient.matmul(kernel.value, transposeOther: true)
    }
}
