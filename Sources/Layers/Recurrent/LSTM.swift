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
    /// LSTM's hyperparameters (Keras `get_config`).
    public struct Configuration: Codable, Equatable, Sendable {
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
    /// The layer name (unique in a model).
    public var name: String
    /// Output units.
    public let units: Int
    /// The output activation.
    public let activation: Activation
    /// The gate activation (i, f, o).
    public let recurrentActivation: Activation
    /// Whether every timestep's output is returned (else the last).
    public let returnSequences: Bool
    /// Whether the layer has a bias.
    public let useBias: Bool
    /// Whether the forget-gate bias starts at 1.
    public let unitForgetBias: Bool
    /// Initializer of the kernel.
    public let kernelInitializer: Initializer
    /// Initializer of the recurrent kernel.
    public let recurrentInitializer: Initializer
    /// Initializer of the bias.
    public let biasInitializer: Initializer

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
    public init(units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                returnSequences: Bool = false, useBias: Bool = true, unitForgetBias: Bool = true,
                kernelInitializer: Initializer = .glorotUniform, recurrentInitializer: Initializer = .orthogonal,
                biasInitializer: Initializer = .zeros, name: String = "") {
        self.units = units
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.returnSequences = returnSequences
        self.useBias = useBias
        self.unitForgetBias = unitForgetBias
        self.kernelInitializer = kernelInitializer
        self.recurrentInitializer = recurrentInitializer
        self.biasInitializer = biasInitializer
        self.name = name
    }

    public convenience init(configuration c: Configuration) {
        self.init(units: c.units, activation: c.activation, recurrentActivation: c.recurrentActivation,
                  returnSequences: c.returnSequences, useBias: c.useBias, unitForgetBias: c.unitForgetBias,
                  kernelInitializer: c.kernelInitializer, recurrentInitializer: c.recurrentInitializer,
                  biasInitializer: c.biasInitializer, name: c.name)
    }

    public var configuration: Configuration {
        Configuration(units: units, activation: activation, recurrentActivation: recurrentActivation,
                      returnSequences: returnSequences, useBias: useBias, unitForgetBias: unitForgetBias,
                      kernelInitializer: kernelInitializer, recurrentInitializer: recurrentInitializer,
                      biasInitializer: biasInitializer, name: name)
    }

    public var parameters: [Parameter] { [kernel, recurrentKernel, bias].compactMap { $0 } }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard units > 0 else {
            throw LayerError.invalidArgument(layer: name, argument: "units", value: "\(units)", expected: "a positive integer")
        }
        guard activation != .softmax, recurrentActivation != .softmax else {
            throw LayerError.invalidArgument(layer: name, argument: "activation", value: "softmax", expected: "an element-wise activation")
        }
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw LayerError.incompatibleInput(layer: name, expected: "[timesteps, features]", received: inputShape)
        }
        if let kernel, kernel.value.shape[0] != inputShape[1] {
            throw LayerError.incompatibleInput(layer: name, expected: "[timesteps, \(kernel.value.shape[0])]", received: inputShape)
        }
        return returnSequences ? [inputShape[0], units] : [units]
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        kernel = Parameter(name: "kernel", value: kernelInitializer.tensor(shape: [inputShape[1], 4 * units], using: &generator))
        recurrentKernel = Parameter(name: "recurrent_kernel",
                                    value: recurrentInitializer.tensor(shape: [units, 4 * units], using: &generator))
        if useBias {
            var value = biasInitializer.tensor(shape: [4 * units], using: &generator)
            if unitForgetBias { for j in units..<(2 * units) { value[j] = 1 } }
            bias = Parameter(name: "bias", value: value)
        }
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let kernel, let recurrentKernel else { throw LayerError.notBuilt(layer: name) }
        guard input.rank == 3, input.shape[2] == kernel.value.shape[0] else {
            throw LayerError.incompatibleInput(layer: name, expected: "[timesteps, \(kernel.value.shape[0])]",
                                               received: Array(input.shape.dropFirst()))
        }
        let (batch, steps, features, u) = (input.shape[0], input.shape[1], input.shape[2], units)
        let g4 = 4 * u
        let z = gates.reserve(batch * steps * g4)
        let h = hidden.reserve(batch * (steps + 1) * u, zeroed: true)
        let c = cell.reserve(batch * (steps + 1) * u, zeroed: true)
        let a = cellActivation.reserve(batch * steps * u)
        let (act, recurrent) = (activation.kernelCode, recurrentActivation.kernelCode)

        input.withUnsafeBufferPointer { x in
            kernel.value.withUnsafeBufferPointer { w in
                MatrixKernels.multiply(m: batch * steps, n: g4, k: features, a: x.baseAddress!, lda: features,
                                       b: w.baseAddress!, ldb: g4, c: z, ldc: g4)
            }
        }
        if let bias {
            bias.value.withUnsafeBufferPointer { b in
                MatrixKernels.addRowVector(b.baseAddress!, to: z, rows: batch * steps, columns: g4)
            }
        }
        recurrentKernel.value.withUnsafeBufferPointer { uk in
            for t in 0..<steps {
                // z[:, t, :] += h[:, t, :] · recurrentKernel (h slot t holds hₜ₋₁).
                MatrixKernels.multiply(m: batch, n: g4, k: u, a: h + t * u, lda: (steps + 1) * u,
                                       b: uk.baseAddress!, ldb: g4, beta: 1, c: z + t * g4, ldc: steps * g4)
                rek_lstm_cell_forward(batch, u, act, recurrent, z + t * g4, steps * g4,
                                      c + t * u, (steps + 1) * u, c + (t + 1) * u, (steps + 1) * u,
                                      a + t * u, steps * u, h + (t + 1) * u, (steps + 1) * u)
            }
        }
        cachedInput = input

        var output = Tensor(zeros: returnSequences ? [batch, steps, u] : [batch, u])
        output.withUnsafeMutableBufferPointer { out in
            for b in 0..<batch {
                if returnSequences {
                    (out.baseAddress! + b * steps * u).update(from: h + (b * (steps + 1) + 1) * u, count: steps * u)
                } else {
                    (out.baseAddress! + b * u).update(from: h + (b * (steps + 1) + steps) * u, count: u)
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let kernel, let recurrentKernel, let input = cachedInput else { throw LayerError.notBuilt(layer: name) }
        let (batch, steps, features, u) = (input.shape[0], input.shape[1], input.shape[2], units)
        let g4 = 4 * u
        let z = gates.pointer, h = hidden.pointer, c = cell.pointer, a = cellActivation.pointer
        let dz = gateGradient.reserve(batch * steps * g4)
        let dh = hiddenGradient.reserve(batch * u, zeroed: true)   // ∂loss/∂hₜ from later steps
        let dc = cellGradient.reserve(batch * u, zeroed: true)     // ∂loss/∂cₜ from later steps
        let (act, recurrent) = (activation.kernelCode, recurrentActivation.kernelCode)

        outputGradient.withUnsafeBufferPointer { dy in
            recurrentKernel.value.withUnsafeBufferPointer { uk in
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    let external: UnsafePointer<Float>? = returnSequences
                        ? dy.baseAddress! + t * u
                        : (t == steps - 1 ? dy.baseAddress! : nil)
                    rek_lstm_cell_backward(batch, u, act, recurrent, z + t * g4, steps * g4, c + t * u, (steps + 1) * u,
                                           a + t * u, steps * u, external, returnSequences ? steps * u : u,
                                           dh, dc, dz + t * g4, steps * g4)
                    // ∂loss/∂hₜ₋₁ = dzₜ · recurrentKernelᵀ
                    MatrixKernels.multiply(transposeB: true, m: batch, n: u, k: g4, a: dz + t * g4, lda: steps * g4,
                                           b: uk.baseAddress!, ldb: g4, c: dh, ldc: u)
                }
            }
        }

        // Weight gradients: one product per weight over all steps (hₜ₋₁ is h slot t).
        recurrentKernel.gradient.withUnsafeMutableBufferPointer { du in
            for t in 0..<steps {
                MatrixKernels.multiply(transposeA: true, m: u, n: g4, k: batch, a: h + t * u, lda: (steps + 1) * u,
                                       b: dz + t * g4, ldb: steps * g4, beta: 1, c: du.baseAddress!, ldc: g4)
            }
        }
        input.withUnsafeBufferPointer { x in
            kernel.gradient.withUnsafeMutableBufferPointer { dw in
                MatrixKernels.multiply(transposeA: true, m: features, n: g4, k: batch * steps, a: x.baseAddress!, lda: features,
                                       b: dz, ldb: g4, beta: 1, c: dw.baseAddress!, ldc: g4)
            }
        }
        bias?.gradient.withUnsafeMutableBufferPointer { db in
            MatrixKernels.accumulateColumnSums(of: dz, rows: batch * steps, columns: g4, into: db.baseAddress!)
        }
        var inputGradient = Tensor(zeros: input.shape)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            kernel.value.withUnsafeBufferPointer { w in
                MatrixKernels.multiply(transposeB: true, m: batch * steps, n: features, k: g4, a: dz, lda: g4,
                                       b: w.baseAddress!, ldb: g4, c: dx.baseAddress!, ldc: features)
            }
        }
        return inputGradient
    }
}
