import CKernels
import Tensor

/// Fully connected recurrent layer (Keras `SimpleRNN`): `hₜ = activation(xₜ·kernel + hₜ₋₁·recurrentKernel + bias)`.
///
/// Starts from a zero state (and runs from the last step to the first when `goBackwards`). Input
/// `[batch, timesteps, features]` → output `[batch, timesteps, units]` when `returnSequences`, else
/// `[batch, units]` (the last `h`).
///
/// Weights (Keras names and layout): `kernel [features, units]` (glorot-uniform),
/// `recurrent_kernel [units, units]` (orthogonal), `bias [units]` (zeros). Parameters:
/// `units·(features + units + 1)`.
///
///     let rnn = SimpleRNN(units: 16, returnSequences: true)
public final class SimpleRNN: Layer {
    /// SimpleRNN's hyperparameters (Keras `get_config`), read as `rnn.units`, `rnn.goBackwards`, ….
    public struct Configuration: LayerConfiguration {
        /// Output units.
        public var units: Int
        /// The state's activation.
        public var activation: Activation
        /// Whether the layer has a bias.
        public var useBias: Bool
        /// Whether every timestep's output is returned.
        public var returnSequences: Bool
        /// Whether the sequence is processed from its last step to its first (Keras `go_backwards`);
        /// a returned sequence is then in that reversed order.
        public var goBackwards: Bool
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
    public static let typeName = "SimpleRNN"
    /// The hyperparameters.
    public var configuration: Configuration

    /// Input weights `[features, units]`.
    public private(set) var kernel: Parameter?
    /// Recurrent weights `[units, units]`.
    public private(set) var recurrentKernel: Parameter?
    /// Bias `[units]`.
    public private(set) var bias: Parameter?

    // Forward cache (see Recurrence): projections [B, T, U] by time, states [B, T+1, U] by step.
    private let projections = Workspace(), hidden = Workspace()
    private let projectionGradient = Workspace(), hiddenGradient = Workspace()
    private var cachedInput: Tensor?

    /// Creates a SimpleRNN layer; the defaults are Keras 3's.
    /// - Parameters:
    ///   - units: The size of the hidden state.
    ///   - activation: The state's activation; `.tanh` by default.
    ///   - useBias: Whether to add the bias `[units]`.
    ///   - returnSequences: Return every step's `h` instead of the last one.
    ///   - goBackwards: Process the sequence in reverse (Keras `go_backwards`); the returned sequence is
    ///     in the reversed order too.
    ///   - kernelInitializer: For the input kernel; `.glorotUniform` by default.
    ///   - recurrentInitializer: For the recurrent kernel; `.orthogonal` by default.
    ///   - biasInitializer: `.zeros` by default.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `simple_rnn`, `simple_rnn_1`, ….
    public convenience init(
        units: Int, activation: Activation = .tanh, useBias: Bool = true, returnSequences: Bool = false,
        goBackwards: Bool = false, kernelInitializer: Initializer = .glorotUniform,
        recurrentInitializer: Initializer = .orthogonal, biasInitializer: Initializer = .zeros, name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                units: units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                goBackwards: goBackwards, kernelInitializer: kernelInitializer,
                recurrentInitializer: recurrentInitializer, biasInitializer: biasInitializer, name: name))
    }

    /// Creates a SimpleRNN layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias].compactMap { $0 } }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try Recurrence.outputShape(
            for: inputShape, layer: name, units: self.units, gates: 1, activations: [("activation", self.activation)],
            builtFeatures: kernel?.value.shape[0], returnSequences: self.returnSequences)
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        kernel = try makeParameter(
            "kernel", shape: [inputShape[1], self.units], initializer: self.kernelInitializer, layer: name,
            using: &generator)
        recurrentKernel = try makeParameter(
            "recurrent_kernel", shape: [self.units, self.units], initializer: self.recurrentInitializer,
            layer: name, using: &generator)
        if self.useBias {
            bias = try makeParameter(
                "bias", shape: [self.units], initializer: self.biasInitializer, layer: name, using: &generator)
        }
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let kernel, let recurrentKernel else { throw LayerError.notBuilt(layer: name) }
        try Recurrence.checkInput(input, kernel: kernel, layer: name)
        let u = self.units
        let act = self.activation.kernelCode
        let output = recurrentKernel.withValuePointer { uk in
            bias.withValuePointer { b in
                Recurrence.forward(
                    input, kernel: kernel, bias: b, units: u, returnSequences: self.returnSequences,
                    backwards: self.goBackwards, projections: projections, states: hidden
                ) { band, s, t in
                    // z[:, t, :] += hₛ · recurrentKernel; state slot s + 1 = activation(z).
                    MatrixKernels.multiply(
                        m: band.rows, n: u, k: u, a: band.h + s * u, lda: band.ldh, b: uk, ldb: u, beta: 1,
                        c: band.z + t * u, ldc: band.ldz)
                    for row in 0..<band.rows {
                        let next = band.h + row * band.ldh + (s + 1) * u
                        next.update(from: band.z + row * band.ldz + t * u, count: u)
                        rek_activation_forward(act, next, u)
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
        let act = self.activation.kernelCode
        let inputGradient = recurrentKernel.withValuePointer { uk in
            bias.withGradientPointer { db in
                Recurrence.backward(
                    outputGradient, input: input, kernel: kernel, biasGradient: db, units: u,
                    returnSequences: self.returnSequences, backwards: self.goBackwards, states: hidden,
                    gradients: projectionGradient, carry: hiddenGradient, needsInputGradient: needsInputGradient
                ) { band, s, t, external, ldExternal in
                    let carry = band.carry!
                    for row in 0..<band.rows {
                        let (dz, dh) = (band.z + row * band.ldz + t * u, carry + row * u)
                        if let external {
                            let e = external + row * ldExternal
                            for j in 0..<u { dz[j] = dh[j] + e[j] }
                        } else {
                            dz.update(from: dh, count: u)
                        }
                        rek_activation_backward(act, dz, band.h + row * band.ldh + (s + 1) * u, dz, u)
                    }
                    // ∂loss/∂hₛ = dz · recurrentKernelᵀ
                    MatrixKernels.multiply(
                        transposeB: true, m: band.rows, n: u, k: u, a: band.z + t * u, lda: band.ldz, b: uk, ldb: u,
                        c: carry, ldc: u)
                }
            }
        }
        let (h, dz, backwards) = (hidden.pointer, projectionGradient.pointer, self.goBackwards)
        recurrentKernel.withGradientPointer { du in
            Recurrence.accumulateOverSteps(
                steps: steps, batch: batch, m: u, n: u, left: { UnsafePointer(h + $0 * u) }, ldLeft: (steps + 1) * u,
                right: { UnsafePointer(dz + Recurrence.time(ofStep: $0, steps: steps, backwards: backwards) * u) },
                ldRight: steps * u, into: du, ldTarget: u)
        }
        return inputGradient
    }
}
