import Tensor

/// A 2-D convolution over channels-last images: Keras' `Conv2D`.
///
/// Input `[batch, height, width, channels]` → output `[batch, outHeight, outWidth, filters]`, with
/// `output = activation(input ⋆ kernel + bias)`. Kernel `[kh, kw, channels, filters]`
/// (glorot-uniform), bias `[filters]` (zeros): the same layout, defaults and parameter count
/// (`(kh·kw·channels + 1)·filters`) as Keras. `padding: .same` pads like TensorFlow, the extra
/// row/column at the bottom/right (see ``Padding``).
///
/// The window's taps are `dilationRate` `[dy, dx]` pixels apart (Keras `dilation_rate`, 1 by
/// default), so it spans `(kh − 1)·dy + 1` rows and `(kw − 1)·dx + 1` columns without more weights.
/// Output size per axis for `n` pixels, kernel `k`, dilation `d` and stride `s`:
/// - `.valid`: `floor((n − (k − 1)·d − 1) / s) + 1`;
/// - `.same`: `ceil(n / s)`.
///
/// As in Keras, a stride above 1 on either axis together with a dilation above 1 on either axis is
/// refused.
///
///     Conv2D(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)   // 28×28×1 → 14×14×16
///     Conv2D(filters: 8, kernelSize: 3, dilationRate: 2)                                  // 28×28×1 → 24×24×8
///
/// Each image is unfolded into patch rows (im2col), which stay in cache, and multiplied by the kernel
/// with the bias added in the same pass; backward uses two more products and the fold (col2im), the
/// same code as ``Conv1D``'s. Images are processed concurrently in groups that depend only on the
/// batch size, so results are identical for every thread count.
public final class Conv2D: Layer {
    /// Conv2D's hyperparameters (Keras `get_config`), read as `conv.filters`, `conv.kernelSize`, ….
    public struct Configuration: LayerConfiguration {
        /// Output channels.
        public var filters: Int
        /// Window `[rows, columns]`.
        public var kernelSize: [Int]
        /// Step between windows `[rows, columns]`.
        public var strides: [Int]
        /// Border handling.
        public var padding: Padding
        /// Spacing of the window's taps `[rows, columns]` in pixels (Keras `dilation_rate`), `[1, 1]`
        /// for a plain convolution.
        public var dilationRate: [Int]
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
    public static let typeName = "Conv2D"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The kernel `[kh, kw, channels, filters]`, available once built.
    public private(set) var kernel: Parameter?
    /// The bias `[filters]`, when `useBias`.
    public private(set) var bias: Parameter?

    private let products = ConvolutionProducts()

    /// Creates a convolution with a square window, stride and dilation.
    /// - Parameters:
    ///   - filters: Output channels.
    ///   - kernelSize: The window's side.
    ///   - strides: The step between windows, 1 by default.
    ///   - padding: `.valid` (no padding, Keras' default) or `.same` (`.causal` throws when built).
    ///   - dilationRate: The spacing of the window's taps along both axes, 1 by default; more than 1
    ///     only with stride 1.
    ///   - activation: `.linear` by default.
    ///   - useBias: Whether to add a bias per filter.
    ///   - kernelInitializer: `.glorotUniform` by default.
    ///   - biasInitializer: `.zeros` by default.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `conv2d`, `conv2d_1`, ….
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
            filters: filters, kernelSize: [kernelSize, kernelSize], strides: [strides, strides], padding: padding,
            dilationRate: [dilationRate, dilationRate], activation: activation, useBias: useBias,
            kernelInitializer: kernelInitializer, biasInitializer: biasInitializer, name: name)
    }

    /// Creates a convolution with a window, stride and dilation given as `[rows, columns]`.
    ///
    ///     Conv2D(filters: 4, kernelSize: [3, 3], padding: .same, dilationRate: [2, 3])   // 8×9×c → 8×9×4
    ///
    /// - Parameters:
    ///   - filters: Output channels.
    ///   - kernelSize: The window `[rows, columns]`.
    ///   - strides: The step between windows `[rows, columns]`, `[1, 1]` by default.
    ///   - padding: `.valid` (no padding, Keras' default) or `.same` (`.causal` throws when built).
    ///   - dilationRate: The spacing of the window's taps `[rows, columns]`, `[1, 1]` by default; a
    ///     dilation above 1 only with strides `[1, 1]`, as in Keras.
    ///   - activation: `.linear` by default.
    ///   - useBias: Whether to add a bias per filter.
    ///   - kernelInitializer: `.glorotUniform` by default.
    ///   - biasInitializer: `.zeros` by default.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `conv2d`, `conv2d_1`, ….
    public convenience init(
        filters: Int, kernelSize: [Int], strides: [Int] = [1, 1], padding: Padding = .valid,
        dilationRate: [Int] = [1, 1], activation: Activation = .linear, useBias: Bool = true,
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

    /// The window grid for an input shape, after checking every hyperparameter.
    private func geometry(for inputShape: [Int]) throws -> ConvolutionGeometry {
        try self.padding.refuseCausal(layer: name)
        let window = try ConvolutionGeometry.checkedWindow(
            filters: self.filters, activation: self.activation,
            kernelSize: self.kernelSize, strides: self.strides, layer: name)
        let dilations = try self.dilationRate.checkedPair("dilationRate", layer: name)
        // Keras: `strides > 1` not supported in conjunction with `dilation_rate > 1` (any axis of each).
        guard window.strides.allSatisfy({ $0 == 1 }) || dilations.allSatisfy({ $0 == 1 }) else {
            throw LayerError.invalidArgument(
                layer: name, argument: "dilationRate", value: "\(dilations)",
                expected: "[1, 1] when strides is more than 1 (strides = \(window.strides)), as in Keras")
        }
        let geometry = try ConvolutionGeometry(
            image: inputShape, kernel: window.kernel, strides: window.strides, dilations: dilations,
            padding: self.padding, layer: name)
        if let kernel, kernel.value.shape[2] != inputShape[2] {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[height, width, \(kernel.value.shape[2])]", received: inputShape)
        }
        try SizeLimit.check(window.kernel + [inputShape[2], self.filters], layer: name, tensor: "kernel")
        try SizeLimit.check(
            [geometry.raw.outHeight, geometry.raw.outWidth, self.filters], layer: name, tensor: "output")
        try SizeLimit.check(
            [geometry.raw.outHeight, geometry.raw.outWidth] + window.kernel + [inputShape[2]],
            layer: name, tensor: "patch rows")
        return geometry
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let geometry = try geometry(for: inputShape)
        return [geometry.raw.outHeight, geometry.raw.outWidth, self.filters]
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try geometry(for: inputShape)
        let shape = self.kernelSize + [inputShape[2], self.filters]
        kernel = try makeParameter(
            "kernel", shape: shape, initializer: self.kernelInitializer, layer: name, using: &generator)
        bias =
            self.useBias
            ? try makeParameter(
                "bias", shape: [self.filters], initializer: self.biasInitializer, layer: name, using: &generator) : nil
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let kernel else { throw LayerError.notBuilt(layer: name) }
        guard input.rank == 4 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[height, width, channels]", received: Array(input.shape.dropFirst()))
        }
        let geometry = try geometry(for: Array(input.shape.dropFirst()))
        return products.forward(
            input, geometry: geometry, kernel: kernel.value, bias: bias?.value, activation: self.activation,
            outputShape: [geometry.raw.outHeight, geometry.raw.outWidth, self.filters])
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

extension Conv2D.Configuration {
    private enum CodingKeys: String, CodingKey {
        case filters, kernelSize, strides, padding, dilationRate, activation, useBias
        case kernelInitializer, biasInitializer, name
    }

    /// Decodes a saved configuration; one saved before `dilationRate` existed reads `[1, 1]`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            filters: try container.decode(Int.self, forKey: .filters),
            kernelSize: try container.decode([Int].self, forKey: .kernelSize),
            strides: try container.decode([Int].self, forKey: .strides),
            padding: try container.decode(Padding.self, forKey: .padding),
            dilationRate: try container.decodeIfPresent([Int].self, forKey: .dilationRate) ?? [1, 1],
            activation: try container.decode(Activation.self, forKey: .activation),
            useBias: try container.decode(Bool.self, forKey: .useBias),
            kernelInitializer: try container.decode(Initializer.self, forKey: .kernelInitializer),
            biasInitializer: try container.decode(Initializer.self, forKey: .biasInitializer),
            name: try container.decode(String.self, forKey: .name))
    }
}
