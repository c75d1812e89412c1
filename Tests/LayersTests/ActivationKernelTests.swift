import Foundation
import Layers
import Tensor
import Testing

/// The element-wise activation kernels and the fused LSTM cell against Double-precision references.
///
/// They run on whichever path this machine takes (AVX-512, AVX2+FMA or scalar, see
/// `MatrixKernels.simdWidth`); `REK_ISA=avx2` or `REK_ISA=portable` forces the lower ones.
@Suite struct ActivationKernelTests {
    static let elementWise: [Activation] = [.relu, .tanh, .sigmoid, .hardSigmoid, .linear]

    /// A few thousand inputs: a sweep of ±100, tiny magnitudes, signed zeros, infinities, the
    /// kernels' switch points (tanh's series below 0.0625, the hard sigmoid's corners, exp's clamp)
    /// and random normals. 3,357 in all: not a multiple of 8 or 16.
    static let inputs: [Float] = {
        var values = stride(from: -100.0, through: 100.0, by: 0.0731).map { Float($0) }
        let tiny: [Float] = [
            .leastNonzeroMagnitude, .leastNormalMagnitude, 1e-38, 1e-30, 1e-20, 1e-10, 1e-7, 1e-6,
            3e-5, 1e-4, 1e-3, 0.01,
        ]
        let edges: [Float] = [
            0.0625, Float(0.0625).nextDown, Float(0.0625).nextUp, 0.5, 1, 2.5, Float(2.5).nextDown, Float(2.5).nextUp,
            9, 17, 44, 87.3, 88, 88.7, 89, 100, 1e6, .greatestFiniteMagnitude, .infinity,
        ]
        for v in tiny + edges { values += [v, -v] }
        values += [0, -0]
        var generator = SeededGenerator(seed: 7)
        values += (0..<500).map { _ in 3 * generator.normal() }
        return values
    }()

    /// Prefix lengths around the vector widths (8 and 16 lanes), and the whole input.
    static let lengths = [1, 2, 7, 8, 9, 15, 16, 17, 23, 31, 33, 100, inputs.count]

    static func reference(_ activation: Activation, _ x: Double) -> Double {
        switch activation {
        case .relu: x > 0 ? x : 0
        case .tanh: Foundation.tanh(x)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .hardSigmoid: Swift.min(1, Swift.max(0, 0.2 * x + 0.5))
        default: x
        }
    }

    /// The derivative from the activation's output y.
    static func derivative(_ activation: Activation, output y: Double) -> Double {
        switch activation {
        case .relu: y > 0 ? 1 : 0
        case .tanh: 1 - y * y
        case .sigmoid: y * (1 - y)
        case .hardSigmoid: y > 0 && y < 1 ? 0.2 : 0
        default: 1
        }
    }

    /// Relative error ≤ 4e-7, or absolute ≤ 1e-7 for results below 0.25 (where that is the looser
    /// bound); infinite results must be exact.
    static func isClose(_ value: Float, to exact: Double) -> Bool {
        if exact.isInfinite { return Double(value) == exact }
        let error = Swift.abs(Double(value) - exact)
        return error <= 4e-7 * Swift.abs(exact) || (Swift.abs(exact) < 0.25 && error <= 1e-7)
    }

    /// Applies `activation` in place to the first `count` inputs, in a buffer followed by 16
    /// sentinels that must survive (masked tails store nothing past the end).
    static func applied(_ activation: Activation, count: Int) -> [Float] {
        let sentinel: Float = 12345
        var storage = Array(inputs[0..<count]) + Array(repeating: sentinel, count: 16)
        storage.withUnsafeMutableBufferPointer {
            activation.apply(to: UnsafeMutableBufferPointer(rebasing: $0[0..<count]), width: count)
        }
        #expect(storage[count...].allSatisfy { $0 == sentinel }, "\(activation) wrote past \(count) elements")
        return Array(storage[0..<count])
    }

    @Test(arguments: elementWise)
    func forwardMatchesDoubleReference(activation: Activation) {
        for count in Self.lengths {
            let y = Self.applied(activation, count: count)
            for (x, output) in zip(Self.inputs[0..<count], y) {
                let exact = Self.reference(activation, Double(x))
                if activation == .relu || activation == .linear {
                    #expect(output == Float(exact), "\(activation)(\(x)) = \(output) [\(count) elements]")
                } else {
                    #expect(
                        Self.isClose(output, to: exact),
                        "\(activation)(\(x)) = \(output), exact \(exact) [\(count) elements, SIMD width \(MatrixKernels.simdWidth)]"
                    )
                }
            }
        }
        // The tensor form runs the same kernel.
        #expect(activation(Tensor(Self.inputs)).scalars == Self.applied(activation, count: Self.inputs.count))
    }

    /// Near zero the relative error stays small too (tanh's odd series, the sigmoid around ½).
    @Test(arguments: elementWise)
    func tinyInputsAreRelativelyAccurate(activation: Activation) {
        let tiny = Self.inputs.filter { Swift.abs($0) <= 1e-3 }
        #expect(tiny.count >= 20)
        let y = activation(Tensor(tiny)).scalars
        for (x, output) in zip(tiny, y) {
            let exact = Self.reference(activation, Double(x))
            let error = Swift.abs(Double(output) - exact)
            #expect(error <= 4e-7 * Swift.abs(exact), "\(activation)(\(x)) = \(output), exact \(exact)")
            if activation == .tanh || activation == .linear || activation == .relu {
                #expect(output.sign == x.sign || output == 0, "\(activation)(\(x)) = \(output) has the wrong sign")
            }
        }
    }

    @Test(arguments: elementWise)
    func backwardMatchesDoubleReference(activation: Activation) {
        let output = activation(Tensor(Self.inputs))
        var generator = SeededGenerator(seed: 11)
        var upstream = Tensor.normal(shape: [Self.inputs.count], using: &generator).scalars
        upstream[0] = 1e30
        upstream[1] = -1e-30
        upstream[2] = 0
        upstream[3] = 100
        let y = output.scalars
        let sentinel: Float = -777

        for count in Self.lengths {
            // In place (the result overwrites the gradient), followed by sentinels.
            var gradient = Array(upstream[0..<count]) + Array(repeating: sentinel, count: 16)
            gradient.withUnsafeMutableBufferPointer { g in
                y.withUnsafeBufferPointer { yb in
                    activation.backpropagate(
                        UnsafeMutableBufferPointer(rebasing: g[0..<count]),
                        output: UnsafeBufferPointer(rebasing: yb[0..<count]), width: count)
                }
            }
            #expect(gradient[count...].allSatisfy { $0 == sentinel }, "\(activation)′ wrote past \(count) elements")
            for j in 0..<count {
                // Relative throughout (the derivatives have no cancellation: tanh′ = 1 − y² is
                // fused, or (1 − y)(1 + y)); the slack only covers products that underflow.
                let exact = Double(upstream[j]) * Self.derivative(activation, output: Double(y[j]))
                let error = Swift.abs(Double(gradient[j]) - exact)
                #expect(
                    error <= 4e-7 * Swift.abs(exact) + Double(Float.leastNormalMagnitude),
                    "\(activation)′ at y = \(y[j]), gradient \(upstream[j]): \(gradient[j]), exact \(exact) [\(count) elements, SIMD width \(MatrixKernels.simdWidth)]"
                )
            }
        }
        // Out of place, into a new tensor: the same values.
        let outOfPlace = activation.backpropagate(Tensor(upstream), output: output).scalars
        var inPlace = upstream
        inPlace.withUnsafeMutableBufferPointer { g in
            y.withUnsafeBufferPointer { activation.backpropagate(g, output: $0, width: y.count) }
        }
        #expect(outOfPlace == inPlace)
    }

    @Test(arguments: [Activation.tanh, .sigmoid, .hardSigmoid, .linear])
    func nanPropagates(activation: Activation) {
        // In a full vector and in a tail.
        let x: [Float] = [1, .nan, -2, 0, 0.01, 5, -90, .nan, 3, -.nan]
        let y = activation(Tensor(x)).scalars
        for (input, output) in zip(x, y) {
            #expect(output.isNaN == input.isNaN, "\(activation)(\(input)) = \(output)")
        }
    }

    // MARK: - Fused LSTM cell

    /// Forward and backward of the LSTM layer against a Double-precision reference, with unit
    /// counts that take full vectors and masked tails (13 = 8 + 5, 21 = 16 + 5 = 8 + 8 + 5) and
    /// several batch rows (each its own strided row of the gate and state arrays).
    struct LSTMCase: Sendable, CustomTestStringConvertible {
        var units: Int, activation: Activation, recurrent: Activation, sequences: Bool
        var testDescription: String { "\(units) units, \(activation)/\(recurrent)\(sequences ? ", sequences" : "")" }
    }

    @Test(arguments: [
        LSTMCase(units: 13, activation: .tanh, recurrent: .sigmoid, sequences: false),
        LSTMCase(units: 21, activation: .tanh, recurrent: .hardSigmoid, sequences: true),
        LSTMCase(units: 21, activation: .relu, recurrent: .sigmoid, sequences: false),
        LSTMCase(units: 13, activation: .sigmoid, recurrent: .tanh, sequences: true),
        LSTMCase(units: 24, activation: .tanh, recurrent: .sigmoid, sequences: true),
    ])
    func lstmMatchesDoubleReference(case lstmCase: LSTMCase) throws {
        let (units, activation, recurrent, sequences) = (
            lstmCase.units, lstmCase.activation, lstmCase.recurrent, lstmCase.sequences
        )
        let (batch, steps, features) = (5, 4, 7)
        var generator = SeededGenerator(seed: UInt64(units * 31 + (sequences ? 1 : 0)))
        let layer = LSTM(
            units: units, activation: activation, recurrentActivation: recurrent, returnSequences: sequences)
        try layer.build(inputShape: [steps, features], using: &generator)
        let (kernel, recurrentKernel, bias) = (
            try #require(layer.kernel), try #require(layer.recurrentKernel), try #require(layer.bias)
        )
        // Weights wide enough to saturate some gates.
        try kernel.assign(Tensor.normal(shape: [features, 4 * units], using: &generator) * 0.8)
        try recurrentKernel.assign(Tensor.normal(shape: [units, 4 * units], using: &generator) * 0.5)
        try bias.assign(Tensor.normal(shape: [4 * units], using: &generator) * 0.5)
        let input = Tensor.normal(shape: [batch, steps, features], using: &generator) * 1.5
        let outputShape = sequences ? [batch, steps, units] : [batch, units]
        let upstream = Tensor.normal(shape: outputShape, using: &generator)

        let output = try layer.forward(input, training: true)
        let inputGradient = try layer.backward(upstream)

        let reference = ReferenceLSTM(
            input: input, kernel: kernel.value, recurrentKernel: recurrentKernel.value, bias: bias.value,
            units: units, activation: activation, recurrent: recurrent)
        let expected = reference.run(upstream: upstream, sequences: sequences)
        func check(_ got: Tensor, _ exact: [Double], _ what: String) {
            #expect(got.scalars.count == exact.count)
            var worst = 0.0
            for (g, e) in zip(got.scalars, exact) {
                worst = Swift.max(worst, Swift.abs(Double(g) - e) / (1 + Swift.abs(e)))
            }
            #expect(
                worst <= 2e-5,
                "\(what): error \(worst) [units \(units), \(activation)/\(recurrent), SIMD width \(MatrixKernels.simdWidth)]"
            )
        }
        check(output, expected.output, "output")
        check(inputGradient, expected.inputGradient, "∂input")
        check(kernel.gradient, expected.kernelGradient, "∂kernel")
        check(recurrentKernel.gradient, expected.recurrentGradient, "∂recurrent_kernel")
        check(bias.gradient, expected.biasGradient, "∂bias")
    }
}

/// A straightforward Keras LSTM (gate order i, f, c, o) and its backpropagation through time, in Double.
private struct ReferenceLSTM {
    let x: [Double], w: [Double], u: [Double], b: [Double]
    let batch: Int, steps: Int, features: Int, units: Int
    let activation: Activation, recurrent: Activation

    init(
        input: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor, units: Int, activation: Activation,
        recurrent: Activation
    ) {
        (x, w, u, b) = (
            input.scalars.map(Double.init), kernel.scalars.map(Double.init),
            recurrentKernel.scalars.map(Double.init), bias.scalars.map(Double.init)
        )
        (batch, steps, features) = (input.shape[0], input.shape[1], input.shape[2])
        self.units = units
        (self.activation, self.recurrent) = (activation, recurrent)
    }

    /// The derivative from the pre-activation z.
    static func slope(_ activation: Activation, _ z: Double) -> Double {
        switch activation {
        case .relu: z > 0 ? 1 : 0
        case .hardSigmoid: Swift.abs(z) < 2.5 ? 0.2 : 0
        default: ActivationKernelTests.derivative(activation, output: ActivationKernelTests.reference(activation, z))
        }
    }

    struct Result {
        var output: [Double], inputGradient: [Double], kernelGradient: [Double], recurrentGradient: [Double],
            biasGradient: [Double]
    }

    func run(upstream: Tensor, sequences: Bool) -> Result {
        let (n, g4) = (units, 4 * units)
        let dy = upstream.scalars.map(Double.init)
        var result = Result(
            output: [], inputGradient: Array(repeating: 0, count: x.count),
            kernelGradient: Array(repeating: 0, count: w.count),
            recurrentGradient: Array(repeating: 0, count: u.count), biasGradient: Array(repeating: 0, count: g4))
        for row in 0..<batch {
            // Forward: pre-activations z[t], states h[t + 1], c[t + 1] (slot 0 is zero).
            var z = Array(repeating: [Double](repeating: 0, count: g4), count: steps)
            var h = Array(repeating: [Double](repeating: 0, count: n), count: steps + 1)
            var c = h
            for t in 0..<steps {
                for k in 0..<g4 {
                    var s = b[k]
                    for f in 0..<features { s += x[(row * steps + t) * features + f] * w[f * g4 + k] }
                    for j in 0..<n { s += h[t][j] * u[j * g4 + k] }
                    z[t][k] = s
                }
                for j in 0..<n {
                    let i = ActivationKernelTests.reference(recurrent, z[t][j])
                    let f = ActivationKernelTests.reference(recurrent, z[t][n + j])
                    let g = ActivationKernelTests.reference(activation, z[t][2 * n + j])
                    let o = ActivationKernelTests.reference(recurrent, z[t][3 * n + j])
                    c[t + 1][j] = f * c[t][j] + i * g
                    h[t + 1][j] = o * ActivationKernelTests.reference(activation, c[t + 1][j])
                }
            }
            result.output += sequences ? h[1...].flatMap { $0 } : h[steps]
            // Backward through time.
            var dh = [Double](repeating: 0, count: n)
            var dc = dh
            for t in stride(from: steps - 1, through: 0, by: -1) {
                if sequences {
                    for j in 0..<n { dh[j] += dy[(row * steps + t) * n + j] }
                } else if t == steps - 1 {
                    for j in 0..<n { dh[j] += dy[row * n + j] }
                }
                var dz = [Double](repeating: 0, count: g4)
                for j in 0..<n {
                    let zi = z[t][j]
                    let zf = z[t][n + j]
                    let zg = z[t][2 * n + j]
                    let zo = z[t][3 * n + j]
                    let i = ActivationKernelTests.reference(recurrent, zi)
                    let f = ActivationKernelTests.reference(recurrent, zf)
                    let g = ActivationKernelTests.reference(activation, zg)
                    let o = ActivationKernelTests.reference(recurrent, zo)
                    let a = ActivationKernelTests.reference(activation, c[t + 1][j])
                    let ds = dc[j] + dh[j] * o * Self.slope(activation, c[t + 1][j])
                    dz[j] = ds * g * Self.slope(recurrent, zi)
                    dz[n + j] = ds * c[t][j] * Self.slope(recurrent, zf)
                    dz[2 * n + j] = ds * i * Self.slope(activation, zg)
                    dz[3 * n + j] = dh[j] * a * Self.slope(recurrent, zo)
                    dc[j] = ds * f
                }
                for j in 0..<n {
                    dh[j] = 0
                    for k in 0..<g4 { dh[j] += dz[k] * u[j * g4 + k] }
                }
                for f in 0..<features {
                    let xi = (row * steps + t) * features + f
                    for k in 0..<g4 {
                        result.inputGradient[xi] += dz[k] * w[f * g4 + k]
                        result.kernelGradient[f * g4 + k] += x[xi] * dz[k]
                    }
                }
                for j in 0..<n { for k in 0..<g4 { result.recurrentGradient[j * g4 + k] += h[t][j] * dz[k] } }
                for k in 0..<g4 { result.biasGradient[k] += dz[k] }
            }
        }
        return result
    }
}
