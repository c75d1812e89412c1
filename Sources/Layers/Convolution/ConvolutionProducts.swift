import Tensor

/// The forward and backward matrix products of a convolution over im2col patch rows, shared by
/// `Conv2D` and `Conv1D` (a window of height 1 on images of height 1): the one place they are written.
///
/// Forward, per image: patches = unfold(input) (`[windows, patchSize]`), output =
/// activation(patches · kernel + bias), the kernel read as a `[patchSize, filters]` matrix (Keras'
/// `[kh, kw, channels, filters]` and `[k, channels, filters]` layouts both are, in memory). Backward:
/// ∂kernel += patchesᵀ · ∂z, ∂bias += column sums of ∂z, ∂input = fold(∂z · kernelᵀ). Images are
/// processed concurrently in groups that depend only on the batch size, and weight gradients are
/// summed per group in group order, so results are identical for every thread count.
///
/// It keeps the scratch buffers and what `backward` needs of the last `forward`; each layer holds one.
final class ConvolutionProducts {
    private let scratch = ScratchPool(), partialSums = Workspace()
    private var cached: (input: Tensor, geometry: ConvolutionGeometry, output: Tensor)?

    /// `activation(unfold(input) · kernel + bias)` for a batch.
    /// - Parameters:
    ///   - input: The batch; each sample holds `geometry.imageSize` floats.
    ///   - geometry: The windows on one sample.
    ///   - kernel: `patchSize · filters` floats, patch entries (ky, kx, c) major.
    ///   - bias: `filters` floats, or `nil`.
    ///   - activation: An element-wise activation.
    ///   - outputShape: One sample's output shape (`windowCount · filters` elements).
    func forward(
        _ input: Tensor, geometry: ConvolutionGeometry, kernel: Tensor, bias: Tensor?, activation: Activation,
        outputShape: [Int]
    ) -> Tensor {
        let batch = input.shape[0]
        let windows = geometry.windowCount
        let patch = geometry.patchSize
        let filters = kernel.count / patch
        let chunk = ConvolutionGeometry.chunkLength(floatsPerSample: windows * patch)
        var output = Tensor(shape: [batch] + outputShape, unsafeUninitializedScalars: { _ in })
        output.withUnsafeMutableBufferPointer { y in
            input.withUnsafeBufferPointer { x in
                kernel.withUnsafeBufferPointer { w in
                    bias.withUnsafeBaseAddress { b in
                        if filters == 1 {  // a matrix-vector product: unfolding would cost more than it
                            geometry.forEachGroup(batch: batch, scratchCount: 0, pool: scratch) { _, samples, _ in
                                geometry.singleFilterForward(
                                    x.baseAddress!, samples: samples, kernel: w.baseAddress!, bias: b?.pointee ?? 0,
                                    into: y.baseAddress!)
                            }
                            return
                        }
                        geometry.forEachGroup(batch: batch, scratchCount: chunk * windows * patch, pool: scratch) {
                            _, samples, patches in
                            for run in ConvolutionGeometry.chunks(of: samples, floatsPerSample: windows * patch) {
                                geometry.unfold(x.baseAddress!, samples: run, into: patches)
                                MatrixKernels.multiply(
                                    m: run.count * windows, n: filters, k: patch, a: patches, lda: patch,
                                    b: w.baseAddress!, ldb: filters, bias: b,
                                    c: y.baseAddress! + run.lowerBound * windows * filters, ldc: filters)
                            }
                        }
                    }
                }
            }
            activation.apply(to: y, width: filters)
        }
        cached = (input, geometry, output)
        return output
    }

    /// Back-propagates ∂loss/∂output of the last ``forward(_:geometry:kernel:bias:activation:outputShape:)``:
    /// adds into the kernel's and bias's gradients and returns ∂loss/∂input.
    /// - Throws: ``LayerError/notBuilt(layer:)`` before any `forward`,
    ///   ``LayerError/incompatibleInput(layer:expected:received:)`` for a gradient whose shape is not
    ///   the last output's.
    func backward(
        _ outputGradient: Tensor, kernel: Parameter, bias: Parameter?, activation: Activation, layer: String,
        needsInputGradient: Bool = true
    ) throws -> Tensor {
        guard let (input, geometry, output) = cached else { throw LayerError.notBuilt(layer: layer) }
        guard outputGradient.shape == output.shape else {
            throw LayerError.incompatibleInput(
                layer: layer, expected: "a gradient of shape \(Array(output.shape.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        let batch = input.shape[0]
        let windows = geometry.windowCount
        let patch = geometry.patchSize
        let filters = kernel.count / patch
        let gradient = activation.backpropagate(outputGradient, output: output)
        let kernelGradient = GroupedGradient(count: patch * filters, batch: batch, workspace: partialSums)
        let chunk = ConvolutionGeometry.chunkLength(floatsPerSample: windows * patch)
        // kernelᵀ once per batch: a transposed operand would be repacked by every product.
        let kernelTransposed = kernel.value.reshaped(to: [patch, filters]).transposed()
        var inputGradient = Tensor(shape: needsInputGradient ? input.shape : [0], unsafeUninitializedScalars: { _ in })
        inputGradient.withUnsafeMutableBufferPointer { dx in
            input.withUnsafeBufferPointer { x in
                gradient.withUnsafeBufferPointer { dz in
                    kernelTransposed.withUnsafeBufferPointer { wt in
                        if filters == 1 {
                            geometry.forEachGroup(batch: batch, scratchCount: 0, pool: scratch) { group, samples, _ in
                                geometry.singleFilterKernelGradient(
                                    x.baseAddress!, dz.baseAddress!, samples: samples,
                                    into: kernelGradient.partial(group))
                                if needsInputGradient {
                                    geometry.singleFilterInputGradient(
                                        dz.baseAddress!, samples: samples, kernel: wt.baseAddress!,
                                        into: dx.baseAddress!)
                                }
                            }
                            return
                        }
                        // Per run of samples: ∂kernel += patchesᵀ·∂z, ∂patches = ∂z·kernelᵀ folded into ∂input.
                        geometry.forEachGroup(batch: batch, scratchCount: 2 * chunk * windows * patch, pool: scratch) {
                            group, samples, scratch in
                            let patches = scratch
                            let patchGradient = scratch + chunk * windows * patch
                            for run in ConvolutionGeometry.chunks(of: samples, floatsPerSample: windows * patch) {
                                let dzRun = dz.baseAddress! + run.lowerBound * windows * filters
                                geometry.unfold(x.baseAddress!, samples: run, into: patches)
                                MatrixKernels.multiply(
                                    transposeA: true, m: patch, n: filters, k: run.count * windows, a: patches,
                                    lda: patch, b: dzRun, ldb: filters, beta: 1, c: kernelGradient.partial(group),
                                    ldc: filters)
                                guard needsInputGradient else { continue }
                                MatrixKernels.multiply(
                                    m: run.count * windows, n: patch, k: filters, a: dzRun, lda: filters,
                                    b: wt.baseAddress!, ldb: patch, c: patchGradient, ldc: patch)
                                geometry.fold(patchGradient, into: dx.baseAddress!, samples: run)
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
                        of: dz.baseAddress!, rows: batch * windows, columns: filters, into: db.baseAddress!)
                }
            }
        }
        return inputGradient
    }
}
