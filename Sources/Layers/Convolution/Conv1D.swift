import Tensor

/// A 1-D convolution over channels-last sequences: Keras' `Conv1D`.
///
/// Input `[batch, steps, channels]` → output `[batch, outSteps, filters]`, with
/// `output = activation(input ⋆ kernel + bias)`. Kernel `[kernelSize, channels, filters]`
/// (glorot-uniform), bias `[filters]` (zeros): the same layout, defaults and parameter count
/// (`(kernelSize·channels + 1)·filters`) as Keras. The window's taps are `dilationRate` steps apart,
/// so it spans `(kernelSize − 1)·dilationRate + 1` steps. Output length for `n` steps and stride `s`
/// (see ``Padding``):
/// - `.valid`: `floor((n − span) / s) + 1`;
/// - `.same`: `ceil(n / s)`, padded like TensorFlow (the extra step at the end);
/// - `.causal`: `ceil(n / s)`, with `(kernelSize − 1)·dilationRate` zeros before the sequence only, so
///   output `t` depends on no step after `t·s`.
///
/// As in Keras, `strides > 1` together with `dilationRate > 1` is refused.
///
///     Conv1D(filters: 32, kernelSize: 3, padding: .same, activation: .relu)   // [8, 59] → [8, 32]
///     Conv1D(filters: 16, kernelSize: 2, padding: .causal, dilationRate: 4)   // [50, c] → [50, 16]
///
/// It runs as a 2-D convolution with a window of height 1 on sequences viewed as images of height 1:
/// the same im2col unfolding and matrix products as ``Conv2D``, deterministic for every thread count.
public final class Conv1D: Layer {
    /// Conv1D's hyperparameters (Keras `get_config`), read as `conv.filters`, `conv.kernelSize`, ….
    public struct Configuration: LayerConfiguration {
        /// Output channels.
        public var filters: Int
        /// Window length in steps (Keras `kernel_size`).
        public var kernelSize: Int
        /// Step between windows (Keras `strides`).
        public var strides: Int
        /// Border handling: `.valid`, `.same` or `.causal`.
        public var padding: Padding
        /// Spacing of the window's taps in steps (Keras `dilation_rate`).
        public var dilationRate: Int
        /// The output activation.
        public var activation: Activation
        /// Whether the layer has a bias.
        public var useBias: Bool
        /// Initializer of the kernel.
        public var kernelInitializer: Initializer
        /// Initializer of the bias.
        public var biasInitializer: Initializer
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "Conv1D"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The kernel `[kernelSize, channels, filters]`, available once built.
    public private(set) var kernel: Parameter?
    /// The bias `[filters]`, when `useBias`.
    public private(set) var bias: Parameter?

    private let products = ConvolutionProducts()

    /// Creates a 1-D convolution.
    /// - Parameters:
    ///   - filters: Output channels.
    ///   - kernelSize: The window length in steps.
    ///   - strides: The step between windows, 1 by default.
    ///   - padding: `.valid` (no padding, Keras' default), `.same` or `.causal`.
    ///   - dilationRate: The spacing of the window's taps, 1 by default; more than 1 only with stride 1.
    ///   - activation: `.linear` by default.
    ///   - useBias: Whether to add a bias per filter.
    ///   - kernelInitializer: `.glorotUniform` by default.
    ///   - biasInitializer: `.zeros` by default.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `conv1d`, `conv1d_1`, ….
    ///
    /// Invalid hyperparameters throw ``LayerError/invalidArgument(layer:argument:value:expected:)``
    /// when the layer is built (added to a model), as for every layer.
    public convenience init(
        filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid, dilationRate: Int = 1,
        activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                dilationRate: dilationRate, activation: activation, useBias: useBias,
                kernelInitializer: kernelInitializer, biasInitializer: biasInitializer, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

    /// The window grid for an input shape `[steps, channels]`, after checking every hyperparameter:
    /// the sequence is an image `[1, steps, channels]`, the window `[1, kernelSize]`.
    private func geometry(for inputShape: [Int]) throws -> ConvolutionGeometry {
        try ConvolutionGeometry.checkFilters(self.filters, activation: self.activation, layer: name)
        let (k, s, d) = (self.kernelSize, self.strides, self.dilationRate)
        for (argument, value) in [("kernelSize", k), ("strides", s), ("dilationRate", d)] {
            guard value > 0, value <= SizeLimit.maximumElementCount else {
                throw LayerError.invalidArgument(
                    layer: name, argument: argument, value: "\(value)",
                    expected: "a positive integer of at most \(SizeLimit.maximumElementCount)")
            }
        }
        guard s == 1 || d == 1 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "dilationRate", value: "\(d)",
                expected: "1 when strides is more than 1 (strides = \(s)), as in Keras")
        }
        guard inputShape.count == 2, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "[steps, channels]", received: inputShape)
        }
        let (steps, channels) = (inputShape[0], inputShape[1])
        if let kernel, kernel.value.shape[1] != channels {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[steps, \(kernel.value.shape[1])]", received: inputShape)
        }
        let window = try self.padding.window(
            input: steps, kernel: k, stride: s, dilation: d, allowsCausal: true, layer: name, inputShape: inputShape)
        try SizeLimit.check([k, channels, self.filters], layer: name, tensor: "kernel")
        try SizeLimit.check([window.outputSize, self.filters], layer: name, tensor: "output")
        try SizeLimit.check([window.outputSize, k, channels], layer: name, tensor: "patch rows")
        return ConvolutionGeometry(
            image: [1, steps, channels], kernel: [1, k], strides: [1, s], dilations: [1, d],
            padBefore: [0, window.padBefore], grid: [1, window.outputSize])
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        [try geometry(for: inputShape).raw.outWidth, self.filters]
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try geometry(for: inputShape)
        kernel = try makeParameter(
            "kernel", shape: [self.kernelSize, inputShape[1], self.filters], initializer: self.kernelInitializer,
            layer: name, using: &generator)
        bias =
            self.useBias
            ? try makeParameter(
                "bias", shape: [self.filters], initializer: self.biasInitializer, layer: name, using: &generator) : nil
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let kernel else { throw LayerError.notBuilt(layer: name) }
        guard input.rank == 3 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[steps, channels]", received: Array(input.shape.dropFirst()))
        }
        let geometry = try geometry(for: Array(input.shape.dropFirst()))
        return products.forward(
            input, geometry: geometry, kernel: kernel.value, bias: bias?.value, activation: self.activation,
            outputShape: [geometry.raw.outWidth, self.filters])
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try backward(outputGradient, needsInputGradient: true)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor {
        guard let kernel else { throw LayerError.notBuilt(layer: name) }
        return try products.backward(
            outputGradient, kernel: kernel, bias: bias, activation: self.activation, layer: name,
            needsInputGradient: needsInputGradient)
    }
}
