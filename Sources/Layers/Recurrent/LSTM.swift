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
/// starting from zero states (from the last step to the first when `goBackwards`). Input `[batch, timesteps, features]` → output `[batch, timesteps, units]`
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
        /// Whether the sequence is processed from its last step to its first (Keras `go_backwards`);
        /// a returned sequence is then in that reversed order. A saved configuration without it reads false.
        public var goBackwards: Bool
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

    // Forward cache (see Recurrence): gates [B, T, 4U] by time (after activation), states h and c
    // [B, T+1, U] and activation(c) [B, T, U] by processing step.
    private let gates = Workspace(), hidden = Workspace(), cell = Workspace(), cellActivation = Workspace()
    private let gateGradient = Workspace(), hiddenGradient = Workspace(), cellGradient = Workspace()
    private var cachedInput: Tensor?

    /// Creates an LSTM layer; the defaults are Keras 3's.
    /// - Parameters:
    ///   - units: The size of the hidden state.
    ///   - activation: Applied to the cell candidate and the cell state; `.tanh` by default.
    ///   - recurrentActivation: The gates' activation; `.sigmoid` by default (Keras 2 used `.hardSigmoid`).
    ///   - returnSequences: Return every step's `h` instead of the last one.
    ///   - goBackwards: Process the sequence in reverse (Keras `go_backwards`); the returned sequence is
    ///     in the reversed order too.
    ///   - unitForgetBias: Initialize the forget gate's bias to 1.
    ///   - useBias: Whether to add the bias `[4·units]`.
    ///   - kernelInitializer: For the input kernel; `.glorotUniform` by default.
    ///   - recurrentInitializer: For the recurrent kernel; `.orthogonal` by default.
    ///   - biasInitializer: `.zeros` by default; the forget gate's part is 1 when `unitForgetBias`.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `lstm`, `lstm_1`, ….
    public convenience init(
        units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
        returnSequences: Bool = false, goBackwards: Bool = false, useBias: Bool = true, unitForgetBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, recurrentInitializer: Initializer = .orthogonal,
        biasInitializer: Initializer = .zeros, name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                units: units, activation: activation, recurrentActivation: recurrentActivation,
                returnSequences: returnSequences, goBackwards: goBackwards, useBias: useBias,
                unitForgetBias: unitForgetBias,
                kernelInitializer: kernelInitializer, recurrentInitializer: recurrentInitializer,
                biasInitializer: biasInitializer, name: name))
    }

    /// Creates an LSTM layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias].compactMap { $0 } }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try Recurrence.outputShape(
            for: inputShape, layer: name, units: self.units, gates: 4,
            activations: [("activation", self.activation), ("recurrent_activation", self.recurrentActivation)],
            builtFeatures: kernel?.value.shape[0], returnSequences: self.returnSequences)
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
        try Recurrence.checkInput(input, kernel: kernel, layer: name)
        let (batch, steps, u) = (input.shape[0], input.shape[1], self.units)
        let g4 = 4 * u
        // Cell states c [B, T+1, U] (slot 0 the zero initial state) and activation(c) [B, T, U], by step.
        let c = cell.reserve(batch * (steps + 1) * u, zeroed: true)
        let a = cellActivation.reserve(batch * steps * u)
        let (act, recurrent) = (self.activation.kernelCode, self.recurrentActivation.kernelCode)
        let output = recurrentKernel.withValuePointer { uk in
            bias.withValuePointer { b in
                Recurrence.forward(
                    input, kernel: kernel, bias: b, units: u, returnSequences: self.returnSequences,
                    backwards: self.goBackwards, projections: gates, states: hidden
                ) { band, s, t in
                    let (c, a) = (band.offset(c, perRow: (steps + 1) * u), band.offset(a, perRow: steps * u))
                    // z[:, t, :] += h[:, s, :] · recurrentKernel (h slot s holds the previous state).
                    MatrixKernels.multiply(
                        m: band.rows, n: g4, k: u, a: band.h + s * u, lda: band.ldh, b: uk, ldb: g4, beta: 1,
                        c: band.z + t * g4, ldc: band.ldz)
                    rek_lstm_cell_forward(
                        band.rows, u, act, recurrent, band.z + t * g4, band.ldz, c + s * u, band.ldh,
                        c + (s + 1) * u, band.ldh, a + s * u, steps * u, band.h + (s + 1) * u, band.ldh)
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
        let g4 = 4 * u
        let (z, h, c, a) = (gates.pointer, hidden.pointer, cell.pointer, cellActivation.pointer)
        let dc = cellGradient.reserve(batch * u, zeroed: true)  // ∂loss/∂cₜ from later steps
        let (act, recurrent) = (self.activation.kernelCode, self.recurrentActivation.kernelCode)
        let inputGradient = recurrentKernel.withValuePointer { uk in
            bias.withGradientPointer { db in
                Recurrence.backward(
                    outputGradient, input: input, kernel: kernel, biasGradient: db, units: u,
                    returnSequences: self.returnSequences, backwards: self.goBackwards, states: hidden,
                    gradients: gateGradient, carry: hiddenGradient, needsInputGradient: needsInputGradient
                ) { band, s, t, external, ldExternal in
                    let z = band.offset(z, perRow: steps * g4)
                    let (c, a) = (band.offset(c, perRow: (steps + 1) * u), band.offset(a, perRow: steps * u))
                    rek_lstm_cell_backward(
                        band.rows, u, act, recurrent, z + t * g4, band.ldz, c + s * u, band.ldh, a + s * u, steps * u,
                        external, ldExternal, band.carry, band.offset(dc, perRow: u), band.z + t * g4, band.ldz)
                    // ∂loss/∂hₛ₋₁ = dzₜ · recurrentKernelᵀ
                    MatrixKernels.multiply(
                        transposeB: true, m: band.rows, n: u, k: g4, a: band.z + t * g4, lda: band.ldz, b: uk,
                        ldb: g4, c: band.carry!, ldc: u)
                }
            }
        }
        // recurrentKernel += Σₛ hₛᵀ · dz at step s's time (h slot s is the state step s read).
        let dz = gateGradient.pointer
        recurrentKernel.withGradientPointer { du in
            Recurrence.accumulateOverSteps(
                steps: steps, batch: batch, m: u, n: g4, left: { UnsafePointer(h + $0 * u) }, ldLeft: (steps + 1) * u,
                right: {
                    UnsafePointer(dz + Recurrence.time(ofStep: $0, steps: steps, backwards: self.goBackwards) * g4)
                },
                ldRight: steps * g4, into: du, ldTarget: g4)
        }
        return inputGradient
    }
}

extension LSTM.Configuration {
    private enum CodingKeys: String, CodingKey {
        case units, activation, recurrentActivation, returnSequences, goBackwards, useBias, unitForgetBias
        case kernelInitializer, recurrentInitializer, biasInitializer, name
    }

    /// Decodes a saved configuration; one saved before `goBackwards` existed reads `goBackwards: false`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            units: try container.decode(Int.self, forKey: .units),
            activation: try container.decode(Activation.self, forKey: .activation),
            recurrentActivation: try container.decode(Activation.self, forKey: .recurrentActivation),
            returnSequences: try container.decode(Bool.self, forKey: .returnSequences),
            goBackwards: try container.decodeIfPresent(Bool.self, forKey: .goBackwards) ?? false,
            useBias: try container.decode(Bool.self, forKey: .useBias),
            unitForgetBias: try container.decode(Bool.self, forKey: .unitForgetBias),
            kernelInitializer: try container.decode(Initializer.self, forKey: .kernelInitializer),
            recurrentInitializer: try container.decode(Initializer.self, forKey: .recurrentInitializer),
            biasInitializer: try container.decode(Initializer.self, forKey: .biasInitializer),
            name: try container.decode(String.self, forKey: .name))
    }
}
