import CKernels
import Tensor

/// Long short-term memory layer with Keras' exact math, weight layout and defaults.
///
/// For each time step, with `z = xₜ·kernel + hₜ₋₁·recurrentKernel + bias` split into blocks
/// `i, f, c, o` (that order):
///
///     i = σ(z_i)   f = σ(z_f)   o = σ(z_o)        σ = recurrentActivation (sigmoid)
///     cₜ = f ⊙ cₜ₋₁ + i ⊙ activation(z_c)        activation = tanh by default
///     hₜ = o ⊙ activation(cₜ)
///
/// starting from zero states. Input `[batch, timesteps, features]` → output `[batch, timesteps, units]`
/// when `returnSequences`, else `[batch, units]` (the last `h`).
///
/// Weights (Keras names and layout): `kernel [features, 4·units]` (glorot-uniform),
/// `recurrent_kernel [units, 4·units]` (orthogonal), `bias [4·units]` (zeros, forget block 1 when
/// `unitForgetBias`). Parameters: `4·units·(features + units + 1)`.
///
///     let encoder = LSTM(units: 32, activation: .relu, returnSequences: true)
///
/// All time steps' input projections are one matrix product; each step adds one `h·recurrentKernel`
/// product in place; the backward pass accumulates weight gradients with one product per weight.
public final class LSTM: Layer {
    /// LSTM's hyperparameters (Keras `get_config`), read as `lstm.units`, `lstm.returnSequences`, ….
    public struct Configuration: LayerConfiguration {
        /// Output units.
        public var units: Int
        /// The output activation.
        public var activation: Activation
        /// The gate activation.
        public var recurrentActivation: Activation
        /// Whether every timestep's output is returned.
        public var returnSequences: Bool
        /// Whether the layer has a bias.
        public var useBias: Bool
        /// Whether the forget-gate bias starts at 1.
        public var unitForgetBias: Bool
        /// Initializer of the kernel.
        public var kernelInitializer: Initializer
        /// Initializer of the recurrent kernel.
        public var recurrentInitializer: Initializer
        /// Initializer of the bias.
        public var biasInitializer: Initializer
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "LSTM"
    /// The hyperparameters.
    public var configuration: Configuration

    /// Input weights `[features, 4·units]`.
    public private(set) var kernel: Parameter?
    /// Recurrent weights `[units, 4·units]`.
    public private(set) var recurrentKernel: Parameter?
    /// Bias `[4·units]`.
    public private(set) var bias: Parameter?

    // Forward cache, batch-major: gates [B, T, 4U] (after activation), states h and c [B, T+1, U]
    // (slot 0 is the zero initial state), activation(c) [B, T, U].
    private let gates = Workspace(), hidden = Workspace(), cell = Workspace(), cellActivation = Workspace()
    private let gateGradient = Workspace(), hiddenGradient = Workspace(), cellGradient = Workspace()
    private var cachedInput: Tensor?

    /// Creates an LSTM layer; the defaults are Keras 3's.
    /// - Parameters:
    ///   - units: The size of the hidden state.
    ///   - activation: Applied to the cell candidate and the cell state; `.tanh` by default.
    ///   - recurrentActivation: The gates' activation; `.sigmoid` by default (Keras 2 used `.hardSigmoid`).
    ///   - returnSequences: Return every step's `h` instead of the last one.
    ///   - unitForgetBias: Initialize the forget gate's bias to 1.
    ///   - useBias: Whether to add the bias `[4·units]`.
    ///   - kernelInitializer: For the input kernel; `.glorotUniform` by default.
    ///   - recurrentInitializer: For the recurrent kernel; `.orthogonal` by default.
    ///   - biasInitializer: `.zeros` by default; the forget gate's part is 1 when `unitForgetBias`.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `lstm`, `lstm_1`, ….
    public convenience init(
        units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
        returnSequences: Bool = false, useBias: Bool = true, unitForgetBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, recurrentInitializer: Initializer = .orthogonal,
        biasInitializer: Initializer = .zeros, name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                units: units, activation: activation, recurrentActivation: recurrentActivation,
                returnSequences: returnSequences, useBias: useBias, unitForgetBias: unitForgetBias,
                kernelInitializer: kernelInitializer, recurrentInitializer: recurrentInitializer,
                biasInitializer: biasInitializer, name: name))
    }

    /// Creates an LSTM layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias].compactMap { $0 } }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard self.units > 0 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "units", value: "\(self.units)", expected: "a positive integer")
        }
        guard self.activation != .softmax, self.recurrentActivation != .softmax else {
            throw LayerError.invalidArgument(
                layer: name, argument: "activation", value: "softmax", expected: "an element-wise activation")
        }
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw LayerError.incompatibleInput(layer: name, expected: "[timesteps, features]", received: inputShape)
        }
        if let kernel, kernel.value.shape[0] != inputShape[1] {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[timesteps, \(kernel.value.shape[0])]", received: inputShape)
        }
        let gates = try SizeLimit.scaled(self.units, by: 4, layer: name, tensor: "bias")
        try SizeLimit.check([inputShape[1], gates], layer: name, tensor: "kernel")
        try SizeLimit.check([self.units, gates], layer: name, tensor: "recurrent_kernel")
        try SizeLimit.check([inputShape[0], gates], layer: name, tensor: "gates")
        return self.returnSequences ? [inputShape[0], self.units] : [self.units]
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        let units = self.units
        kernel = try makeParameter(
            "kernel", shape: [inputShape[1], 4 * units], initializer: self.kernelInitializer,
            layer: name, using: &generator)
        recurrentKernel = try makeParameter(
            "recurrent_kernel", shape: [units, 4 * units], initializer: self.recurrentInitializer,
            layer: name, using: &generator)
        if self.useBias {
            let unitForgetBias = self.unitForgetBias
            bias = try makeParameter(
                "bias", shape: [4 * units], initializer: self.biasInitializer, layer: name, using: &generator
            ) { value in
                if unitForgetBias { for j in units..<(2 * units) { value[j] = 1 } }
            }
        }
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let kernel, let recurrentKernel else { throw LayerError.notBuilt(layer: name) }
        guard input.rank == 3, input.shape[2] == kernel.value.shape[0] else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[timesteps, \(kernel.value.shape[0])]",
                received: Array(input.shape.dropFirst()))
        }
        let (batch, steps, features, u) = (input.shape[0], input.shape[1], input.shape[2], self.units)
        let g4 = 4 * u
        let z = gates.reserve(batch * steps * g4)
        let h = hidden.reserve(batch * (steps + 1) * u, zeroed: true)
        let c = cell.reserve(batch * (steps + 1) * u, zeroed: true)
        let a = cellActivation.reserve(batch * steps * u)
        let (act, recurrent) = (self.activation.kernelCode, self.recurrentActivation.kernelCode)

        // Every element is written by one band below: no clearing pass.
        var output = Tensor(
            shape: self.returnSequences ? [batch, steps, u] : [batch, u], unsafeUninitializedScalars: { _ in })
        let bands = rowBands(batch)
        input.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { out in
                kernel.value.withUnsafeBufferPointer { w in
                    recurrentKernel.value.withUnsafeBufferPointer { uk in
                        withBias { b in
                            let (x, y, w, uk) = (xs.baseAddress!, out.baseAddress!, w.baseAddress!, uk.baseAddress!)
                            // Each band of rows runs its whole sequence on its own: rows never interact.
                            Parallel.forEach(bands.count) { band in
                                let (first, rows) = (bands[band].lowerBound, bands[band].count)
                                let z = z + first * steps * g4
                                let h = h + first * (steps + 1) * u
                                let c = c + first * (steps + 1) * u
                                let a = a + first * steps * u
                                MatrixKernels.multiply(
                                    m: rows * steps, n: g4, k: features, a: x + first * steps * features,
                                    lda: features, b: w, ldb: g4, bias: b, c: z, ldc: g4)
                                for t in 0..<steps {
                                    // z[:, t, :] += h[:, t, :] · recurrentKernel (h slot t holds hₜ₋₁).
                                    MatrixKernels.multiply(
                                        m: rows, n: g4, k: u, a: h + t * u, lda: (steps + 1) * u,
                                        b: uk, ldb: g4, beta: 1, c: z + t * g4, ldc: steps * g4)
                                    rek_lstm_cell_forward(
                                        rows, u, act, recurrent, z + t * g4, steps * g4,
                                        c + t * u, (steps + 1) * u, c + (t + 1) * u, (steps + 1) * u,
                                        a + t * u, steps * u, h + (t + 1) * u, (steps + 1) * u)
                                }
                                for row in 0..<rows {
                                    let target = y + (first + row) * (self.returnSequences ? steps * u : u)
                                    let source = h + row * (steps + 1) * u
                                    if self.returnSequences {
                                        target.update(from: source + u, count: steps * u)
                                    } else {
                                        target.update(from: source + steps * u, count: u)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        cachedInput = input
        return output
    }

    /// Bands of batch rows, processed concurrently: at least one per available thread (when the batch
    /// has 16 rows or more) and at most `maximumBandRows` rows each, so that one band's gates and
    /// states stay in cache through the whole sequence.
    private func rowBands(_ batch: Int) -> [Range<Int>] {
        let threads = batch >= 16 ? Parallel.availableThreads : 1
        return Parallel.partition(
            batch, into: Swift.max(threads, (batch + Self.maximumBandRows - 1) / Self.maximumBandRows),
            multipleOf: 8)
    }

    private static let maximumBandRows = 64

    private func withBias<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.value.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    private func withBiasGradient<R>(_ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.gradient.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let kernel, let recurrentKernel, let input = cachedInput else { throw LayerError.notBuilt(layer: name) }
        let (batch, steps, features, u) = (input.shape[0], input.shape[1], input.shape[2], self.units)
        let g4 = 4 * u
        let z = gates.pointer
        let h = hidden.pointer
        let c = cell.pointer
        let a = cellActivation.pointer
        let dz = gateGradient.reserve(batch * steps * g4)
        let dh = hiddenGradient.reserve(batch * u, zeroed: true)  // ∂loss/∂hₜ from later steps
        let dc = cellGradient.reserve(batch * u, zeroed: true)  // ∂loss/∂cₜ from later steps
        let (act, recurrent) = (self.activation.kernelCode, self.recurrentActivation.kernelCode)

        // Written by each band's product.
        var inputGradient = Tensor(shape: input.shape, unsafeUninitializedScalars: { _ in })
        let bands = rowBands(batch)
        outputGradient.withUnsafeBufferPointer { dys in
            inputGradient.withUnsafeMutableBufferPointer { dxs in
                kernel.value.withUnsafeBufferPointer { w in
                    recurrentKernel.value.withUnsafeBufferPointer { uk in
                        let (dy, dx, w, uk) = (dys.baseAddress!, dxs.baseAddress!, w.baseAddress!, uk.baseAddress!)
                        let ldy = self.returnSequences ? steps * u : u
                        Parallel.forEach(bands.count) { band in
                            let (first, rows) = (bands[band].lowerBound, bands[band].count)
                            let z = z + first * steps * g4
                            let dz = dz + first * steps * g4
                            let c = c + first * (steps + 1) * u
                            let a = a + first * steps * u
                            let dh = dh + first * u
                            let dc = dc + first * u
                            let dy = dy + first * ldy
                            for t in stride(from: steps - 1, through: 0, by: -1) {
                                let external: UnsafePointer<Float>? =
                                    self.returnSequences
                                    ? dy + t * u
                                    : (t == steps - 1 ? dy : nil)
                                rek_lstm_cell_backward(
                                    rows, u, act, recurrent, z + t * g4, steps * g4, c + t * u, (steps + 1) * u,
                                    a + t * u, steps * u, external, ldy, dh, dc, dz + t * g4, steps * g4)
                                // ∂loss/∂hₜ₋₁ = dzₜ · recurrentKernelᵀ
                                MatrixKernels.multiply(
                                    transposeB: true, m: rows, n: u, k: g4, a: dz + t * g4, lda: steps * g4,
                                    b: uk, ldb: g4, c: dh, ldc: u)
                            }
                            MatrixKernels.multiply(
                                transposeB: true, m: rows * steps, n: features, k: g4, a: dz, lda: g4,
                                b: w, ldb: g4, c: dx + first * steps * features, ldc: features)
                        }
                    }
                }
            }
        }

        // Weight gradients: one product per weight over all rows and steps (hₜ₋₁ is h slot t), in
        // bands of gate columns so each column's sum keeps one order whatever the thread count.
        let columns = Parallel.partition(g4, into: Parallel.availableThreads, multipleOf: 32)
        input.withUnsafeBufferPointer { xs in
            kernel.gradient.withUnsafeMutableBufferPointer { dws in
                recurrentKernel.gradient.withUnsafeMutableBufferPointer { dus in
                    withBiasGradient { db in
                        let (x, dw, du) = (xs.baseAddress!, dws.baseAddress!, dus.baseAddress!)
                        Parallel.forEach(columns.count) { band in
                            let (first, width) = (columns[band].lowerBound, columns[band].count)
                            for t in 0..<steps {
                                MatrixKernels.multiply(
                                    transposeA: true, m: u, n: width, k: batch, a: h + t * u, lda: (steps + 1) * u,
                                    b: dz + t * g4 + first, ldb: steps * g4, beta: 1, c: du + first, ldc: g4)
                            }
                            MatrixKernels.multiply(
                                transposeA: true, m: features, n: width, k: batch * steps, a: x, lda: features,
                                b: dz + first, ldb: g4, beta: 1, c: dw + first, ldc: g4)
                            if let db {
                                MatrixKernels.accumulateColumnSums(
                                    of: dz + first, rows: batch * steps, columns: width,
                                    stride: g4, into: db + first)
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
