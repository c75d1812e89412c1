import Tensor

/// The machinery the recurrent layers (`LSTM`, `GRU`, `SimpleRNN`) share: shape validation, the batch
/// bands, the input projection of all steps as one matrix product, the step loops in either direction,
/// the output copy, and the weight gradients accumulated in bands of columns.
///
/// Layout, batch-major, for `steps` time steps, `units` units and `width` projected columns:
/// - projections `z [batch, steps, width]`: `x·kernel + bias` for every step, indexed by *time* (the
///   input's step), then changed in place by the layer's cell;
/// - states `h [batch, steps + 1, units]`, indexed by *processing step*: slot 0 is the zero initial
///   state, slot `s + 1` the state after step `s`. With `goBackwards` step `s` reads time
///   `steps − 1 − s`, and the returned sequence is in processing order, as in Keras.
///
/// Rows never interact, so each band of rows runs its whole sequence on its own thread, and every row's
/// result is the one it gives alone: deterministic for every thread count.
enum Recurrence {
    /// One band of batch rows, its buffers offset to its first row.
    struct Band {
        /// The band's first batch row.
        let first: Int
        /// The number of rows.
        let rows: Int
        /// The band's projections (forward) or their gradients (backward): rows `ldz` apart, time `t` at `t·width`.
        let z: UnsafeMutablePointer<Float>
        /// The band's states: rows `ldh` apart, slot `s` at `s·units`.
        let h: UnsafeMutablePointer<Float>
        /// Backward only: ∂loss/∂hₛ from later steps `[rows, units]`, contiguous (the forward pass's band has none).
        let carry: UnsafeMutablePointer<Float>?
        /// The row stride of `z`: `steps · width`.
        let ldz: Int
        /// The row stride of `h`: `(steps + 1) · units`.
        let ldh: Int

        /// `buffer` offset to this band, for a per-row block of `perRow` floats.
        func offset(_ buffer: UnsafeMutablePointer<Float>, perRow: Int) -> UnsafeMutablePointer<Float> {
            buffer + first * perRow
        }
    }

    /// The input time step that processing step `step` reads.
    @inline(__always)
    static func time(ofStep step: Int, steps: Int, backwards: Bool) -> Int {
        backwards ? steps - 1 - step : step
    }

    /// Checks the hyperparameters and input shape of a recurrent layer whose kernels have `width`
    /// columns (`gates · units`) and returns its output shape.
    /// - Throws: ``LayerError`` for non-positive units, a softmax activation, an input that is not
    ///   `[timesteps, features]` (or does not match a built kernel), or weights over the size limit.
    static func outputShape(
        for inputShape: [Int], layer: String, units: Int, gates: Int, activations: [(String, Activation)],
        builtFeatures: Int?, returnSequences: Bool
    ) throws -> [Int] {
        guard units > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "units", value: "\(units)", expected: "a positive integer")
        }
        for (argument, activation) in activations where activation == .softmax {
            throw LayerError.invalidArgument(
                layer: layer, argument: argument, value: "softmax", expected: "an element-wise activation")
        }
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw LayerError.incompatibleInput(layer: layer, expected: "[timesteps, features]", received: inputShape)
        }
        if let builtFeatures, builtFeatures != inputShape[1] {
            throw LayerError.incompatibleInput(
                layer: layer, expected: "[timesteps, \(builtFeatures)]", received: inputShape)
        }
        let width = try SizeLimit.scaled(units, by: gates, layer: layer, tensor: "bias")
        try SizeLimit.check([inputShape[1], width], layer: layer, tensor: "kernel")
        try SizeLimit.check([units, width], layer: layer, tensor: "recurrent_kernel")
        try SizeLimit.check([inputShape[0], width], layer: layer, tensor: "gates")
        return returnSequences ? [inputShape[0], units] : [units]
    }

    /// Checks a `forward` input against the built kernel `[features, width]`.
    /// - Throws: ``LayerError/incompatibleInput(layer:expected:received:)``.
    static func checkInput(_ input: Tensor, kernel: Parameter, layer: String) throws {
        guard input.rank == 3, input.shape[2] == kernel.value.shape[0] else {
            throw LayerError.incompatibleInput(
                layer: layer, expected: "[timesteps, \(kernel.value.shape[0])]",
                received: Array(input.shape.dropFirst()))
        }
    }

    /// Bands of batch rows, processed concurrently: at least one per available thread (when the batch
    /// has 16 rows or more) and at most `maximumBandRows` rows each, so that one band's gates and
    /// states stay in cache through the whole sequence.
    static func rowBands(_ batch: Int) -> [Range<Int>] {
        let threads = batch >= 16 ? Parallel.availableThreads : 1
        return Parallel.partition(
            batch, into: Swift.max(threads, (batch + maximumBandRows - 1) / maximumBandRows), multipleOf: 8)
    }

    private static let maximumBandRows = 64

    /// Bands of weight columns: each column's sums keep one order whatever the thread count.
    static func columnBands(_ width: Int) -> [Range<Int>] {
        Parallel.partition(width, into: Parallel.availableThreads, multipleOf: 32)
    }

    /// Runs a recurrent layer forward: projects every step's input at once (`x·kernel + bias` into
    /// `projections`), then calls `step(band, s, t)` for each processing step `s` (reading time `t`),
    /// which must write state slot `s + 1` of the band; finally copies the states to the output.
    ///
    /// `states` is cleared (slot 0 is the zero initial state); `projections` holds `z` afterwards.
    static func forward(
        _ input: Tensor, kernel: Parameter, bias: UnsafePointer<Float>?, units: Int, returnSequences: Bool,
        backwards: Bool, projections: Workspace, states: Workspace,
        step: (_ band: Band, _ step: Int, _ time: Int) -> Void
    ) -> Tensor {
        let (batch, steps, features) = (input.shape[0], input.shape[1], input.shape[2])
        let width = kernel.value.shape[1]
        let z = projections.reserve(batch * steps * width)
        let h = states.reserve(batch * (steps + 1) * units, zeroed: true)
        // Every element is written by one band below: no clearing pass.
        var output = Tensor(
            shape: returnSequences ? [batch, steps, units] : [batch, units], unsafeUninitializedScalars: { _ in })
        let bands = rowBands(batch)
        input.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { out in
                kernel.value.withUnsafeBufferPointer { w in
                    let (x, y, w) = (xs.baseAddress!, out.baseAddress!, w.baseAddress!)
                    Parallel.forEach(bands.count) { index in
                        let (first, rows) = (bands[index].lowerBound, bands[index].count)
                        let band = Band(
                            first: first, rows: rows, z: z + first * steps * width, h: h + first * (steps + 1) * units,
                            carry: nil, ldz: steps * width, ldh: (steps + 1) * units)
                        MatrixKernels.multiply(
                            m: rows * steps, n: width, k: features, a: x + first * steps * features, lda: features,
                            b: w, ldb: width, bias: bias, c: band.z, ldc: width)
                        for s in 0..<steps { step(band, s, time(ofStep: s, steps: steps, backwards: backwards)) }
                        for row in 0..<rows {
                            let target = y + (first + row) * (returnSequences ? steps * units : units)
                            let source = band.h + row * band.ldh
                            if returnSequences {
                                target.update(from: source + units, count: steps * units)
                            } else {
                                target.update(from: source + steps * units, count: units)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Runs a recurrent layer backward through time: for each processing step `s` from the last,
    /// `step(band, s, t, external, ldExternal)` must write ∂loss/∂z at time `t` into `band.z` (the
    /// gradients buffer) and replace `band.carry` (∂loss/∂hₛ₊₁ from later steps, to which `external`,
    /// rows `ldExternal` apart, adds the output's gradient when not nil) with ∂loss/∂hₛ. Then
    /// ∂loss/∂input = dz·kernelᵀ, and `kernelGradient += xᵀ·dz`, `biasGradient += Σ dz`.
    ///
    /// `gradients` ends up holding dz `[batch, steps, width]`. Without `needsInputGradient` the
    /// returned tensor is empty and dz·kernelᵀ is skipped.
    static func backward(
        _ outputGradient: Tensor, input: Tensor, kernel: Parameter, biasGradient: UnsafeMutablePointer<Float>?,
        units: Int, returnSequences: Bool, backwards: Bool, states: Workspace, gradients: Workspace,
        carry: Workspace, needsInputGradient: Bool = true,
        step: (_ band: Band, _ step: Int, _ time: Int, _ external: UnsafePointer<Float>?, _ ldExternal: Int) -> Void
    ) -> Tensor {
        let (batch, steps, features) = (input.shape[0], input.shape[1], input.shape[2])
        let width = kernel.value.shape[1]
        let h = states.pointer
        let dz = gradients.reserve(batch * steps * width)
        let dh = carry.reserve(batch * units, zeroed: true)
        // Written by each band's product.
        var inputGradient = Tensor(shape: needsInputGradient ? input.shape : [0], unsafeUninitializedScalars: { _ in })
        let bands = rowBands(batch)
        outputGradient.withUnsafeBufferPointer { dys in
            inputGradient.withUnsafeMutableBufferPointer { dxs in
                kernel.value.withUnsafeBufferPointer { w in
                    let (dy, dx, w) = (dys.baseAddress!, dxs.baseAddress!, w.baseAddress!)
                    let ldy = returnSequences ? steps * units : units
                    Parallel.forEach(bands.count) { index in
                        let (first, rows) = (bands[index].lowerBound, bands[index].count)
                        let band = Band(
                            first: first, rows: rows, z: dz + first * steps * width,
                            h: h + first * (steps + 1) * units, carry: dh + first * units, ldz: steps * width,
                            ldh: (steps + 1) * units)
                        let dy = dy + first * ldy
                        for s in stride(from: steps - 1, through: 0, by: -1) {
                            let external: UnsafePointer<Float>? =
                                returnSequences ? dy + s * units : (s == steps - 1 ? dy : nil)
                            step(band, s, time(ofStep: s, steps: steps, backwards: backwards), external, ldy)
                        }
                        guard needsInputGradient else { return }
                        MatrixKernels.multiply(
                            transposeB: true, m: rows * steps, n: features, k: width, a: band.z, lda: width,
                            b: w, ldb: width, c: dx + first * steps * features, ldc: features)
                    }
                }
            }
        }
        // One product over all rows and steps for the kernel, in bands of columns.
        let columns = columnBands(width)
        input.withUnsafeBufferPointer { xs in
            kernel.gradient.withUnsafeMutableBufferPointer { dws in
                let (x, dw) = (xs.baseAddress!, dws.baseAddress!)
                Parallel.forEach(columns.count) { index in
                    let (first, count) = (columns[index].lowerBound, columns[index].count)
                    MatrixKernels.multiply(
                        transposeA: true, m: features, n: count, k: batch * steps, a: x, lda: features,
                        b: dz + first, ldb: width, beta: 1, c: dw + first, ldc: width)
                    if let biasGradient {
                        MatrixKernels.accumulateColumnSums(
                            of: dz + first, rows: batch * steps, columns: count, stride: width,
                            into: biasGradient + first)
                    }
                }
            }
        }
        return inputGradient
    }

    /// `target[:, j] += Σₛ left(s)ᵀ · right(s)[:, j]` over the `steps` processing steps, for the `n`
    /// columns of `right` and `target` (in bands of columns, each column summed in step order):
    /// `left(s)` is `[batch, m]` with rows `ldLeft` apart, `right(s)` `[batch, n]` with rows `ldRight`
    /// apart, `target` `[m, n]` with rows `ldTarget` apart. A recurrent kernel's gradient.
    static func accumulateOverSteps(
        steps: Int, batch: Int, m: Int, n: Int, left: (Int) -> UnsafePointer<Float>, ldLeft: Int,
        right: (Int) -> UnsafePointer<Float>, ldRight: Int, into target: UnsafeMutablePointer<Float>, ldTarget: Int
    ) {
        let columns = columnBands(n)
        Parallel.forEach(columns.count) { index in
            let (first, count) = (columns[index].lowerBound, columns[index].count)
            for s in 0..<steps {
                MatrixKernels.multiply(
                    transposeA: true, m: m, n: count, k: batch, a: left(s), lda: ldLeft, b: right(s) + first,
                    ldb: ldRight, beta: 1, c: target + first, ldc: ldTarget)
            }
        }
    }
}

extension Parameter {
    /// Runs `body` with the value's base address.
    func withValuePointer<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        value.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Runs `body` with the gradient's base address.
    func withGradientPointer<R>(_ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        gradient.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}

extension Optional where Wrapped == Parameter {
    /// Runs `body` with the value's base address, or nil without a parameter (a layer without bias).
    func withValuePointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withValuePointer { body($0) }
    }

    /// Runs `body` with the gradient's base address, or nil without a parameter.
    func withGradientPointer<R>(_ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withGradientPointer { body($0) }
    }
}
