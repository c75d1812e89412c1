import Tensor

/// A transposed 2-D convolution ("deconvolution") over channels-last images: Keras' `Conv2DTranspose`.
///
/// It is the adjoint of a ``Conv2D``: each input pixel spreads `kernel`-weighted copies over a window
/// of the output. Input `[batch, height, width, channels]` → output `[batch, outHeight, outWidth, filters]`.
/// Kernel `[kh, kw, filters, channels]` (Keras' layout, glorot-uniform), bias `[filters]` (zeros);
/// parameters `(kh·kw·channels + 1)·filters`.
///
/// Output size per axis, as Keras computes it (`n` input, `k` kernel, `s` stride):
/// - `.same`: `n·s`; `.valid`: `n·s + max(k − s, 0)`;
/// - with `outputPadding` `p`: `(n − 1)·s + k − 2·pad + p`, `pad = k / 2` for `.same`, 0 for `.valid`.
///
///     Conv2DTranspose(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)   // 7×7 → 14×14
///
/// Each image times the transposed kernel gives patch rows (kept in cache), folded into the output
/// (col2im); backward unfolds the output gradient (im2col) and uses two more products. Images are
/// processed concurrently in groups that depend only on the batch size, so results are identical
/// for every thread count.
public final class Conv2DTranspose: Layer {
    /// Conv2DTranspose's hyperparameters (Keras `get_config`).
    public struct Configuration: LayerConfiguration {
        /// Output channels.
        public var filters: Int
        /// Window `[rows, columns]`.
        public var kernelSize: [Int]
        /// Step between windows `[rows, columns]` (the upsampling factor).
        public var strides: [Int]
        /// Border handling.
        public var padding: Padding
        /// Extra rows/columns at the bottom/right of the output, each smaller than the stride;
        /// `nil` lets the padding rule choose the size (Keras' default).
        public var outputPadding: [Int]?
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
    public static let typeName = "Conv2DTranspose"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The kernel `[kh, kw, filters, channels]`, available once built.
    public private(set) var kernel: Parameter?
    /// The bias `[filters]`, when `useBias`.
    public private(set) var bias: Parameter?

    private let scratch = ScratchPool(), partialSums = Workspace()
    private var cachedGeometry: ConvolutionGeometry?
    private var cachedInput: Tensor?
    private var cachedOutput: Tensor?

    /// Creates a transposed convolution with a square window and stride.
    /// - Parameters:
    ///   - filters: Output channels.
    ///   - kernelSize: The window's side.
    ///   - strides: The upsampling step, 1 by default.
    ///   - padding: `.valid` (Keras' default) or `.same` (`.causal` throws when built).
    ///   - outputPadding: Extra bottom/right rows and columns (each less than the stride), or `nil`.
    ///   - activation: `.linear` by default.
    ///   - useBias: Whether to add a bias per filter.
    ///   - kernelInitializer: `.glorotUniform` by default.
    ///   - biasInitializer: `.zeros` by default.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `conv2d_transpose`, `conv2d_transpose_1`, ….
    public convenience init(
        filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        outputPadding: Int? = nil, activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        name: String = ""
    ) {
        self.init(
            filters: filters, kernelSize: [kernelSize, kernelSize], strides: [strides, strides], padding: padding,
            outputPadding: outputPadding.map { [$0, $0] }, activation: activation, useBias: useBias,
            kernelInitializer: kernelInitializer, biasInitializer: biasInitializer, name: name)
    }

    /// Creates a transposed convolution with sizes given as `[rows, columns]`.
    public convenience init(
        filters: Int, kernelSize: [Int], strides: [Int] = [1, 1], padding: Padding = .valid,
        outputPadding: [Int]? = nil, activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                outputPadding: outputPadding,
                activation: activation, useBias: useBias, kernelInitializer: kernelInitializer,
                biasInitializer: biasInitializer, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

    /// The geometry of the matching convolution, whose *image* is this layer's output and whose
    /// window grid is this layer's input.
    private func geometry(for inputShape: [Int]) throws -> ConvolutionGeometry {
        try self.padding.refuseCausal(layer: name)
        let (kernelSize, strides) = try ConvolutionGeometry.checkedWindow(
            filters: self.filters, activation: self.activation,
            kernelSize: self.kernelSize, strides: self.strides,
            layer: name)
        if let outputPadding = self.outputPadding {
            guard outputPadding.count == 2, zip(outputPadding, strides).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
                throw LayerError.invalidArgument(
                    layer: name, argument: "outputPadding", value: "\(outputPadding)",
                    expected: "two integers, each at least 0 and less than the stride")
            }
        }
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "[height, width, channels]", received: inputShape)
        }
        try SizeLimit.check(inputShape, layer: name, tensor: "input")
        if let kernel, kernel.value.shape[3] != inputShape[2] {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[height, width, \(kernel.value.shape[3])]", received: inputShape)
        }
        var size = [0, 0]
        var padBefore = [0, 0]
        for axis in 0..<2 {
            let (n, k, s) = (inputShape[axis], kernelSize[axis], strides[axis])
            if let outputPadding = self.outputPadding {
                let pad = self.padding == .same ? k / 2 : 0
                size[axis] = (n - 1) * s + k - 2 * pad + outputPadding[axis]
            } else {
                size[axis] = self.padding == .same ? n * s : n * s + Swift.max(k - s, 0)
            }
            guard size[axis] > 0 else {
                throw LayerError.incompatibleInput(
                    layer: name, expected: "an input giving a positive output size", received: inputShape)
            }
            // TensorFlow pads the matching convolution of the output as `same` does, else not at all.
            padBefore[axis] = self.padding == .same ? Swift.max((n - 1) * s + k - size[axis], 0) / 2 : 0
        }
        try SizeLimit.check(kernelSize + [self.filters, inputShape[2]], layer: name, tensor: "kernel")
        try SizeLimit.check(size + [self.filters], layer: name, tensor: "output")
        try SizeLimit.check(
            [inputShape[0], inputShape[1]] + kernelSize + [self.filters], layer: name, tensor: "patch rows")
        return ConvolutionGeometry(
            image: size + [self.filters], kernel: kernelSize, strides: strides, padBefore: padBefore,
            grid: [inputShape[0], inputShape[1]])
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try geometry(for: inputShape).imageShape
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try geometry(for: inputShape)
        let shape = self.kernelSize + [self.filters, inputShape[2]]
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
        let batch = input.shape[0]
        let windows = geometry.windowCount
        let patch = geometry.patchSize
        let channels = input.shape[3]
        let filters = self.filters
        let chunk = ConvolutionGeometry.chunkLength(floatsPerSample: windows * patch)
        // kernelᵀ once per batch: a transposed operand would be repacked by every product. Per tap
        // (ky, kx, inChannel, filter), the order the fused fold reads.
        let taps = patch / filters
        let kernelTransposed = kernel.value.reshaped(to: [patch, channels]).transposed()
        let tapKernels = kernel.value.reshaped(to: [taps, filters, channels]).permuted(axes: [0, 2, 1])
        var output = Tensor(shape: [batch] + geometry.imageShape, unsafeUninitializedScalars: { _ in })
        output.withUnsafeMutableBufferPointer { y in
            input.withUnsafeBufferPointer { x in
                kernelTransposed.withUnsafeBufferPointer { wt in
                    // Per run of samples: patches = input·kernelᵀ, folded into the output (in one
                    // pass where the fused fold applies: asked with no samples, it only says whether).
                    let fused = tapKernels.withUnsafeBufferPointer { w in
                        geometry.foldProduct(
                            x.baseAddress!, inChannels: channels, samples: 0..<0, kernel: w.baseAddress!,
                            into: y.baseAddress!)
                    }
                    geometry.forEachGroup(
                        batch: batch, scratchCount: fused ? 0 : chunk * windows * patch, pool: scratch
                    ) { _, samples, patches in
                        if fused {
                            _ = tapKernels.withUnsafeBufferPointer { w in
                                geometry.foldProduct(
                                    x.baseAddress!, inChannels: channels, samples: samples, kernel: w.baseAddress!,
                                    into: y.baseAddress!)
                            }
                            return
                        }
                        for run in ConvolutionGeometry.chunks(of: samples, floatsPerSample: windows * patch) {
                            MatrixKernels.multiply(
                                m: run.count * windows, n: patch, k: channels,
                                a: x.baseAddress! + run.lowerBound * windows * channels, lda: channels,
                                b: wt.baseAddress!, ldb: patch, c: patches, ldc: patch)
                            geometry.fold(patches, into: y.baseAddress!, samples: run)
                        }
                    }
                }
            }
            bias?.value.withUnsafeBufferPointer { b in
                MatrixKernels.addRowVector(
                    b.baseAddress!, to: y.baseAddress!, rows: y.count / filters, columns: filters)
            }
            self.activation.apply(to: y, width: filters)
        }
        cachedGeometry = geometry
        cachedInput = input
        cachedOutput = output
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let kernel, let geometry = cachedGeometry, let input = cachedInput, let output = cachedOutput else {
            throw LayerError.notBuilt(layer: name)
        }
        let batch = input.shape[0]
        let windows = geometry.windowCount
        let patch = geometry.patchSize
        let channels = input.shape[3]
        let filters = self.filters
        let gradient = self.activation.backpropagate(outputGradient, output: output)
        let kernelGradient = GroupedGradient(count: patch * channels, batch: batch, workspace: partialSums)
        let chunk = ConvolutionGeometry.chunkLength(floatsPerSample: windows * patch)
        var inputGradient = Tensor(shape: input.shape, unsafeUninitializedScalars: { _ in })
        inputGradient.withUnsafeMutableBufferPointer { dx in
            input.withUnsafeBufferPointer { x in
                gradient.withUnsafeBufferPointer { dz in
                    kernel.value.withUnsafeBufferPointer { w in
                        // Per run of samples: ∂patches = unfolded ∂z; ∂kernel += ∂patchesᵀ·input;
                        // ∂input = ∂patches·kernel.
                        geometry.forEachGroup(batch: batch, scratchCount: chunk * windows * patch, pool: scratch) {
                            group, samples, patchGradient in
                            for run in ConvolutionGeometry.chunks(of: samples, floatsPerSample: windows * patch) {
                                let xRun = x.baseAddress! + run.lowerBound * windows * channels
                                geometry.unfold(dz.baseAddress!, samples: run, into: patchGradient)
                                MatrixKernels.multiply(
                                    transposeA: true, m: patch, n: channels, k: run.count * windows, a: patchGradient,
                                    lda: patch, b: xRun, ldb: channels, beta: 1, c: kernelGradient.partial(group),
                                    ldc: channels)
                                MatrixKernels.multiply(
                                    m: run.count * windows, n: channels, k: patch, a: patchGradient, lda: patch,
                                    b: w.baseAddress!, ldb: channels,
                                    c: dx.baseAddress! + run.lowerBound * windows * channels,
                                    ldc: channels)
                            }
                        }
                    }
                }
            }
        }
        kernelGradient.add(into: &kernel.gradient, groups: ConvolutionGeometry.sampleGroups(batch: batch).count)
        if let bias {
            bias.gradient.withUnsafeMutableBufferPointer { db in
                gradient.withUnsafeBufferPointer { dz in
                    MatrixKernels.accumulateColumnSums(
                        of: dz.baseAddress!, rows: dz.count / filters, columns: filters, into: db.baseAddress!)
                }
            }
        }
        return inputGradient
    }
}
