import CKernels
import Tensor

/// Gated recurrent unit layer with Keras 3's exact math, weight layout and defaults.
///
/// For each time step, with `x·kernel + inputBias` split into blocks `x_z, x_r, x_h` (that order) and
/// `hₜ₋₁·recurrentKernel (+ recurrentBias)` into `h_z, h_r, h_h`:
///
///     z = σ(x_z + h_z)   r = σ(x_r + h_r)                    σ = recurrentActivation (sigmoid)
///     ĥ = activation(x_h + r ⊙ h_h)                          resetAfter (Keras 3's default)
///     ĥ = activation(x_h + (r ⊙ hₜ₋₁)·recurrentKernel_h)     resetAfter false (the original GRU)
///     hₜ = z ⊙ hₜ₋₁ + (1 − z) ⊙ ĥ
///
/// starting from a zero state (from the last step to the first when `goBackwards`). Input
/// `[batch, timesteps, features]` → output `[batch, timesteps, units]` when `returnSequences`, else
/// `[batch, units]` (the last `h`).
///
/// Weights (Keras names and layout): `kernel [features, 3·units]` (glorot-uniform),
/// `recurrent_kernel [units, 3·units]` (orthogonal), `bias` (zeros): `[2, 3·units]` when `resetAfter`
/// (the input bias row, then the recurrent bias row), else `[3·units]`. Parameters:
/// `3·units·(features + units + 2)` with `resetAfter`, `3·units·(features + units + 1)` without.
///
///     let encoder = GRU(units: 64)   // on [8, 59] inputs: 24,000 parameters, as in Keras
///
/// All time steps' input projections are one matrix product; each step adds one `h·recurrentKernel`
/// product (two without `resetAfter`) and does the gates, the candidate and the state update in one
/// vectorized pass (the fused C cell of `gru.c`, as `LSTM`'s); the backward pass accumulates weight
/// gradients with one product per weight and step.
public final class GRU: Layer {
    /// GRU's hyperparameters (Keras `get_config`), read as `gru.units`, `gru.resetAfter`, ….
    public struct Configuration: LayerConfiguration {
        /// Output units.
        public var units: Int
        /// The candidate state's activation.
        public var activation: Activation
        /// The gates' activation.
        public var recurrentActivation: Activation
        /// Whether the layer has biases.
        public var useBias: Bool
        /// Whether every timestep's output is returned.
        public var returnSequences: Bool
        /// Whether the sequence is processed from its last step to its first (Keras `go_backwards`);
        /// a returned sequence is then in that reversed order.
        public var goBackwards: Bool
        /// Whether the reset gate applies after the recurrent product (Keras 3's default, two bias rows).
        public var resetAfter: Bool
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
    public static let typeName = "GRU"
    /// The hyperparameters.
    public var configuration: Configuration

    /// Input weights `[features, 3·units]`.
    public private(set) var kernel: Parameter?
    /// Recurrent weights `[units, 3·units]`.
    public private(set) var recurrentKernel: Parameter?
    /// Bias `[2, 3·units]` (input row, recurrent row) with `resetAfter`, else `[3·units]`.
    public private(set) var bias: Parameter?

    // Forward cache (see Recurrence): gates [B, T, 3U] by time (z, r, ĥ after activation), states
    // [B, T+1, U] by step; with resetAfter the candidate's recurrent product p_h [B, T, U] (the step's
    // whole product [B, 3U] is scratch), else r ⊙ hₜ₋₁ [B, T, U].
    private let gates = Workspace(), hidden = Workspace(), candidateProducts = Workspace()
    private let stepProducts = Workspace(), resetStates = Workspace()
    private let gateGradient = Workspace(), hiddenGradient = Workspace(), recurrentGradient = Workspace()
    private var cachedInput: Tensor?

    /// Creates a GRU layer; the defaults are Keras 3's.
    /// - Parameters:
    ///   - units: The size of the hidden state.
    ///   - activation: The candidate state's activation; `.tanh` by default.
    ///   - recurrentActivation: The update and reset gates' activation; `.sigmoid` by default.
    ///   - useBias: Whether to add the biases.
    ///   - returnSequences: Return every step's `h` instead of the last one.
    ///   - goBackwards: Process the sequence in reverse (Keras `go_backwards`); the returned sequence is
    ///     in the reversed order too.
    ///   - resetAfter: Apply the reset gate after the recurrent product, with separate input and
    ///     recurrent biases (Keras 3's default, and cuDNN's); `false` is the original GRU.
    ///   - kernelInitializer: For the input kernel; `.glorotUniform` by default.
    ///   - recurrentInitializer: For the recurrent kernel; `.orthogonal` by default.
    ///   - biasInitializer: `.zeros` by default.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `gru`, `gru_1`, ….
    public convenience init(
        units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
        useBias: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false, resetAfter: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, recurrentInitializer: Initializer = .orthogonal,
        biasInitializer: Initializer = .zeros, name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                units: units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                returnSequences: returnSequences, goBackwards: goBackwards, resetAfter: resetAfter,
                kernelInitializer: kernelInitializer, recurrentInitializer: recurrentInitializer,
                biasInitializer: biasInitializer, name: name))
    }

    /// Creates a GRU layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias].compactMap { $0 } }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try Recurrence.outputShape(
            for: inputShape, layer: name, units: self.units, gates: 3,
            activations: [("activation", self.activation), ("recurrent_activation", self.recurrentActivation)],
            builtFeatures: kernel?.value.shape[0], returnSequences: self.returnSequences)
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        let width = 3 * self.units
        kernel = try makeParameter(
            "kernel", shape: [inputShape[1], width], initializer: self.kernelInitializer, layer: name,
            using: &generator)
        recurrentKernel = try makeParameter(
            "recurrent_kernel", shape: [self.units, width], initializer: self.recurrentInitializer, layer: name,
            using: &generator)
        if self.useBias {
            bias = try makeParameter(
                "bias", shape: self.resetAfter ? [2, width] : [width], initializer: self.biasInitializer,
                layer: name, using: &generator)
        }
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let kernel, let recurrentKernel else { throw LayerError.notBuilt(layer: name) }
        try Recurrence.checkInput(input, kernel: kernel, layer: name)
        let (batch, steps, u) = (input.shape[0], input.shape[1], self.units)
        let (g3, resetAfter) = (3 * u, self.resetAfter)
        let (act, recurrent) = (self.activation.kernelCode, self.recurrentActivation.kernelCode)
        let candidates = candidateProducts.reserve(resetAfter ? batch * steps * u : 0)
        let products = stepProducts.reserve(resetAfter ? batch * g3 : 0)
        let reset = resetStates.reserve(resetAfter ? 0 : batch * steps * u)
        let output = recurrentKernel.withValuePointer { uk in
            bias.withValuePointer { b in
                Recurrence.forward(
                    input, kernel: kernel, bias: b, units: u, returnSequences: self.returnSequences,
                    backwards: self.goBackwards, projections: gates, states: hidden
                ) { band, s, t in
                    let (rows, z, ldz) = (band.rows, band.z + t * g3, band.ldz)
                    let (previous, next) = (band.h + s * u, band.h + (s + 1) * u)
                    if resetAfter {
                        // p = hₜ₋₁·recurrentKernel + recurrentBias, then the gates and the new state.
                        let p = band.offset(products, perRow: g3)
                        MatrixKernels.multiply(
                            m: rows, n: g3, k: u, a: previous, lda: band.ldh, b: uk, ldb: g3,
                            bias: b.map { $0 + g3 }, c: p, ldc: g3)
                        rek_gru_cell_forward(
                            rows, u, act, recurrent, z, ldz, p, g3, band.offset(candidates, perRow: steps * u) + t * u,
                            steps * u, previous, band.ldh, next, band.ldh)
                    } else {
                        // The gates from hₜ₋₁·recurrentKernel[:, :2U], then (r ⊙ hₜ₋₁)·recurrentKernel[:, 2U:].
                        let rh = band.offset(reset, perRow: steps * u) + t * u
                        MatrixKernels.multiply(
                            m: rows, n: 2 * u, k: u, a: previous, lda: band.ldh, b: uk, ldb: g3, beta: 1, c: z, ldc: ldz
                        )
                        rek_gru_reset_forward(rows, u, recurrent, z, ldz, previous, band.ldh, rh, steps * u)
                        MatrixKernels.multiply(
                            m: rows, n: u, k: u, a: rh, lda: steps * u, b: uk + 2 * u, ldb: g3, beta: 1,
                            c: z + 2 * u, ldc: ldz)
                        rek_gru_candidate_forward(rows, u, act, z, ldz, previous, band.ldh, next, band.ldh)
                    }
                }
            }
        }
        cachedInput = input
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try backward(outputGradient, needsInputGradient: true)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor {
        guard let kernel, let recurrentKernel, let input = cachedInput else { throw LayerError.notBuilt(layer: name) }
        let (batch, steps, u) = (input.shape[0], input.shape[1], self.units)
        let (g3, resetAfter) = (3 * u, self.resetAfter)
        let (act, recurrent) = (self.activation.kernelCode, self.recurrentActivation.kernelCode)
        let (activated, h) = (self.gates.pointer, hidden.pointer)
        let (candidates, reset) = (candidateProducts.pointer, resetStates.pointer)
        // resetAfter: ∂loss/∂(recurrent products) [B, T, 3U]; else ∂loss/∂(r ⊙ hₜ₋₁) of one step [B, U].
        let dp = recurrentGradient.reserve(resetAfter ? batch * steps * g3 : batch * u)
        let inputGradient = recurrentKernel.withValuePointer { uk in
            bias.withGradientPointer { db in
                Recurrence.backward(
                    outputGradient, input: input, kernel: kernel, biasGradient: db, units: u,
                    returnSequences: self.returnSequences, backwards: self.goBackwards, states: hidden,
                    gradients: gateGradient, carry: hiddenGradient, needsInputGradient: needsInputGradient
                ) { band, s, t, external, ldExternal in
                    let (rows, carry, ldz) = (band.rows, band.carry!, band.ldz)
                    let gates = band.offset(activated, perRow: steps * g3) + t * g3
                    let (dz, previous) = (band.z + t * g3, band.h + s * u)
                    if resetAfter {
                        // ∂z, ∂r, ∂ĥ (before their activations) and ∂p from ∂hₜ; the carry becomes z ⊙ ∂hₜ.
                        let dpt = band.offset(dp, perRow: steps * g3) + t * g3
                        rek_gru_cell_backward(
                            rows, u, act, recurrent, gates, ldz, band.offset(candidates, perRow: steps * u) + t * u,
                            steps * u, previous, band.ldh, external, ldExternal, carry, dz, ldz, dpt, ldz)
                        // ∂hₜ₋₁ += ∂p · recurrentKernelᵀ
                        MatrixKernels.multiply(
                            transposeB: true, m: rows, n: u, k: g3, a: dpt, lda: ldz, b: uk, ldb: g3, beta: 1,
                            c: carry, ldc: u)
                    } else {
                        // ∂z and ∂ĥ from ∂hₜ (the carry becomes z ⊙ ∂hₜ); ∂(r ⊙ hₜ₋₁) = ∂ĥ · recurrentKernel_hᵀ,
                        // then ∂r and its share of ∂hₜ₋₁.
                        rek_gru_update_backward(
                            rows, u, act, recurrent, gates, ldz, previous, band.ldh, external, ldExternal, carry, dz,
                            ldz)
                        let drh = band.offset(dp, perRow: u)
                        MatrixKernels.multiply(
                            transposeB: true, m: rows, n: u, k: u, a: dz + 2 * u, lda: ldz, b: uk + 2 * u,
                            ldb: g3, c: drh, ldc: u)
                        rek_gru_reset_backward(
                            rows, u, recurrent, gates, ldz, previous, band.ldh, drh, u, carry, dz, ldz)
                        // ∂hₜ₋₁ += [∂z, ∂r] · recurrentKernel[:, :2U]ᵀ
                        MatrixKernels.multiply(
                            transposeB: true, m: rows, n: u, k: 2 * u, a: dz, lda: ldz, b: uk, ldb: g3, beta: 1,
                            c: carry, ldc: u)
                    }
                }
            }
        }
        // The recurrent kernel (and bias) gradients over all steps; h slot s is the state step s read.
        let (dz, backwards) = (gateGradient.pointer, self.goBackwards)
        func time(_ s: Int) -> Int { Recurrence.time(ofStep: s, steps: steps, backwards: backwards) }
        recurrentKernel.withGradientPointer { du in
            if resetAfter {
                Recurrence.accumulateOverSteps(
                    steps: steps, batch: batch, m: u, n: g3, left: { UnsafePointer(h + $0 * u) },
                    ldLeft: (steps + 1) * u, right: { UnsafePointer(dp + time($0) * g3) }, ldRight: steps * g3,
                    into: du, ldTarget: g3)
                bias.withGradientPointer { db in
                    if let db {
                        MatrixKernels.accumulateColumnSums(
                            of: dp, rows: batch * steps, columns: g3, stride: g3, into: db + g3)
                    }
                }
            } else {
                Recurrence.accumulateOverSteps(
                    steps: steps, batch: batch, m: u, n: 2 * u, left: { UnsafePointer(h + $0 * u) },
                    ldLeft: (steps + 1) * u, right: { UnsafePointer(dz + time($0) * g3) }, ldRight: steps * g3,
                    into: du, ldTarget: g3)
                Recurrence.accumulateOverSteps(
                    steps: steps, batch: batch, m: u, n: u, left: { UnsafePointer(reset + time($0) * u) },
                    ldLeft: steps * u, right: { UnsafePointer(dz + time($0) * g3 + 2 * u) }, ldRight: steps * g3,
                    into: du + 2 * u, ldTarget: g3)
            }
        }
        return inputGradient
    }
}
