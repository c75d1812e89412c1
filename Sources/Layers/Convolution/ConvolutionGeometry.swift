import CKernels
import Tensor

/// Where a 2-D convolution's windows fall on a channels-last image, and the unfolding (im2col) and
/// folding (col2im) between a batch of images and its patch rows, which turn convolutions into
/// matrix products. `Conv2D` and `Conv1D` (a window of height 1 on images of height 1) unfold their
/// input; `Conv2DTranspose`, the adjoint, folds into its output.
struct ConvolutionGeometry {
    /// The image side: `[height, width, channels]`, the windows, strides, dilations, leading
    /// padding, and the window grid `[outHeight, outWidth]`.
    var raw: rek_conv_geometry

    /// The window grid a convolution of `kernel`, `strides`, `dilations` (tap spacings `[rows,
    /// columns]`, 1 by default) and `padding` (not `causal`) lays on an image of `imageShape`
    /// (`[height, width, channels]`).
    init(
        image imageShape: [Int], kernel: [Int], strides: [Int], dilations: [Int] = [1, 1], padding: Padding,
        layer: String
    ) throws {
        guard imageShape.count == 3, imageShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(
                layer: layer, expected: "[height, width, channels]", received: imageShape)
        }
        let rows = try padding.window(
            input: imageShape[0], kernel: kernel[0], stride: strides[0], dilation: dilations[0], layer: layer,
            inputShape: imageShape)
        let columns = try padding.window(
            input: imageShape[1], kernel: kernel[1], stride: strides[1], dilation: dilations[1], layer: layer,
            inputShape: imageShape)
        self.init(
            image: imageShape, kernel: kernel, strides: strides, dilations: dilations,
            padBefore: [rows.padBefore, columns.padBefore], grid: [rows.outputSize, columns.outputSize])
    }

    /// A geometry given in full (a transposed convolution's, whose image size is chosen first, or a
    /// 1-D convolution's); `dilations` are the tap spacings `[rows, columns]`, 1 by default.
    init(
        image imageShape: [Int], kernel: [Int], strides: [Int], dilations: [Int] = [1, 1], padBefore: [Int],
        grid: [Int]
    ) {
        raw = rek_conv_geometry(
            height: imageShape[0], width: imageShape[1], channels: imageShape[2],
            kernelHeight: kernel[0], kernelWidth: kernel[1], strideY: strides[0], strideX: strides[1],
            dilationY: dilations[0], dilationX: dilations[1],
            padTop: padBefore[0], padLeft: padBefore[1], outHeight: grid[0], outWidth: grid[1])
    }

    /// `[height, width, channels]` of the image.
    var imageShape: [Int] { [raw.height, raw.width, raw.channels] }
    /// Windows per image.
    var windowCount: Int { raw.outHeight * raw.outWidth }
    /// Floats in one patch row: `kernelHeight · kernelWidth · channels`.
    var patchSize: Int { raw.kernelHeight * raw.kernelWidth * raw.channels }
    /// Floats in one image.
    var imageSize: Int { raw.height * raw.width * raw.channels }

    /// Unfolds images `samples` of a batch into their `windowCount` patch rows of `patchSize` each,
    /// image after image.
    func unfold(_ images: UnsafePointer<Float>, samples: Range<Int>, into columns: UnsafeMutablePointer<Float>) {
        var geometry = raw
        rek_im2col(&geometry, images + samples.lowerBound * imageSize, 0, samples.count, columns)
    }

    /// Overwrites images `samples` of a batch with the fold (adjoint of
    /// ``unfold(_:samples:into:)``) of their patch rows.
    func fold(_ columns: UnsafePointer<Float>, into images: UnsafeMutablePointer<Float>, samples: Range<Int>) {
        var geometry = raw
        rek_col2im(&geometry, columns, 0, samples.count, images + samples.lowerBound * imageSize)
    }

    /// `outputs` for images `samples` of a one-filter convolution computed straight from the images
    /// (no unfolding): each window's dot product with `kernel`, plus `bias`.
    func singleFilterForward(
        _ images: UnsafePointer<Float>, samples: Range<Int>, kernel: UnsafePointer<Float>, bias: Float,
        into outputs: UnsafeMutablePointer<Float>
    ) {
        var geometry = raw
        rek_conv_single_filter_forward(
            &geometry, images, samples.lowerBound, samples.upperBound, kernel, bias, outputs)
    }

    /// Overwrites images `samples` of `inputGradients` with the input gradient of a one-filter
    /// convolution.
    func singleFilterInputGradient(
        _ outputGradients: UnsafePointer<Float>, samples: Range<Int>, kernel: UnsafePointer<Float>,
        into inputGradients: UnsafeMutablePointer<Float>
    ) {
        var geometry = raw
        rek_conv_single_filter_input_gradient(
            &geometry, outputGradients, samples.lowerBound, samples.upperBound, kernel, inputGradients)
    }

    /// Adds the kernel gradient of a one-filter convolution over images `samples` into `kernelGradient`.
    func singleFilterKernelGradient(
        _ images: UnsafePointer<Float>, _ outputGradients: UnsafePointer<Float>, samples: Range<Int>,
        into kernelGradient: UnsafeMutablePointer<Float>
    ) {
        var geometry = raw
        rek_conv_single_filter_kernel_gradient(
            &geometry, images, outputGradients, samples.lowerBound, samples.upperBound, kernelGradient)
    }

    /// Overwrites images `samples` of a batch with the fold of the patch rows `inputs·kernelᵀ` of a
    /// transposed convolution (`inputs`: `windowCount · inChannels` floats per image; `kernel`:
    /// `(ky, kx, inChannel, channel)` order) without forming them, bit for bit as the product and
    /// ``fold(_:into:samples:)`` would; `false`, having written nothing, where that is not available
    /// (the portable path, channel counts it does not cover).
    func foldProduct(
        _ inputs: UnsafePointer<Float>, inChannels: Int, samples: Range<Int>, kernel: UnsafePointer<Float>,
        into images: UnsafeMutablePointer<Float>
    ) -> Bool {
        var geometry = raw
        return rek_conv_transpose_forward(
            &geometry, inChannels, inputs, samples.lowerBound, samples.upperBound, kernel, images) != 0
    }

    /// Consecutive runs of `samples` small enough that their patch rows (`floatsPerSample` each) fit
    /// a cache-sized scratch of ``chunkFloats``; at least one sample per run. Sequences and small
    /// images get one matrix product per run instead of one per sample; large images stay one at a
    /// time. The runs depend only on the group and the geometry, never on the thread count.
    static func chunks(of samples: Range<Int>, floatsPerSample: Int) -> LazyMapSequence<StrideTo<Int>, Range<Int>> {
        let length = chunkLength(floatsPerSample: floatsPerSample)
        return stride(from: samples.lowerBound, to: samples.upperBound, by: length).lazy.map {
            $0..<Swift.min($0 + length, samples.upperBound)
        }
    }

    /// Samples per run of ``chunks(of:floatsPerSample:)``.
    static func chunkLength(floatsPerSample: Int) -> Int { Swift.max(1, chunkFloats / Swift.max(1, floatsPerSample)) }

    /// The scratch budget of one run of samples: 32 KB, a level-1 data cache.
    static let chunkFloats = 8_192

    /// Runs `body(group, samples, scratch)` for consecutive groups of a batch, concurrently, each with
    /// a scratch of `scratchCount` floats for one image's patch rows, which then stay in cache
    /// instead of a whole batch's going through memory.
    ///
    /// The groups depend on the batch size only (at most 16, the same on every machine and thread
    /// count), so per-group partial sums, added in group order, are bit-identical everywhere. Scratch
    /// comes from `pool`, so a thread's next group reuses the buffer its last one left in cache.
    func forEachGroup(
        batch: Int, scratchCount: Int, pool: ScratchPool,
        _ body: (_ group: Int, _ samples: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) -> Void
    ) {
        let groups = Self.sampleGroups(batch: batch)
        Parallel.forEach(groups.count) { group in
            pool.withBuffer(count: scratchCount) { body(group, groups[group], $0) }
        }
    }

    /// The sample groups of ``forEachGroup(batch:scratchCount:pool:_:)``.
    static func sampleGroups(batch: Int) -> [Range<Int>] {
        let size = Swift.max(1, (batch + 15) / 16)
        return stride(from: 0, to: batch, by: size).map { $0..<Swift.min($0 + size, batch) }
    }
}

/// Weight gradients summed per sample group, then added into the parameter's gradient in group
/// order, so the total does not depend on which thread computed which group.
struct GroupedGradient {
    let count: Int
    let partials: UnsafeMutablePointer<Float>

    /// Zeroed partial sums of `count` floats for the groups of a batch, in `workspace`.
    init(count: Int, batch: Int, workspace: Workspace) {
        self.count = count
        partials = workspace.reserve(ConvolutionGeometry.sampleGroups(batch: batch).count * count, zeroed: true)
    }

    /// The partial sum of one group.
    func partial(_ group: Int) -> UnsafeMutablePointer<Float> { partials + group * count }

    /// Adds every group's partial, in order, into `gradient`.
    func add(into gradient: inout Tensor, groups: Int) {
        gradient.withUnsafeMutableBufferPointer { total in
            for group in 0..<groups {
                let partial = self.partial(group)
                for index in 0..<count { total[index] += partial[index] }
            }
        }
    }
}

extension Optional where Wrapped == Tensor {
    /// Calls `body` with the tensor's first element, or `nil` when there is no tensor (an optional bias).
    func withUnsafeBaseAddress<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        guard let tensor = self else { return try body(nil) }
        return try tensor.withUnsafeBufferPointer { try body($0.baseAddress) }
    }
}

extension ConvolutionGeometry {
    /// Checks a convolution's hyperparameters: positive `filters`, an element-wise activation, and a
    /// window and strides of two positive sizes each, which it returns.
    static func checkedWindow(
        filters: Int, activation: Activation, kernelSize: [Int], strides: [Int],
        layer: String
    ) throws -> (kernel: [Int], strides: [Int]) {
        try checkFilters(filters, activation: activation, layer: layer)
        return (
            try kernelSize.checkedPair("kernelSize", layer: layer), try strides.checkedPair("strides", layer: layer)
        )
    }

    /// Checks that a convolution has a positive number of `filters` and an element-wise activation.
    static func checkFilters(_ filters: Int, activation: Activation, layer: String) throws {
        guard filters > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "filters", value: "\(filters)", expected: "a positive integer")
        }
        guard activation != .softmax else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "activation", value: "softmax", expected: "an element-wise activation")
        }
    }
}

extension Array where Element == Int {
    /// Two positive sizes, each at most ``SizeLimit/maximumElementCount`` (a kernel, stride or pool
    /// given as `[rows, columns]`), else an error.
    func checkedPair(_ argument: String, layer: String) throws -> [Int] {
        guard count == 2, allSatisfy({ $0 > 0 && $0 <= SizeLimit.maximumElementCount }) else {
            throw LayerError.invalidArgument(
                layer: layer, argument: argument, value: "\(self)",
                expected: "two positive integers of at most \(SizeLimit.maximumElementCount)")
        }
        return self
    }
}
