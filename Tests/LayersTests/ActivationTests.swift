import Foundation
import Layers
import Tensor
import Testing

@Suite struct ActivationTests {
    static let inputs: [Float] =
        stride(from: -30.0, through: 30.0, by: 0.0137).map { Float($0) }
        + [0, -0, 1e-6, -1e-6, 0.05, -0.0625, 0.0625, 2.5, -2.5, 88, -88, 100, -100]

    @Test(arguments: [Activation.sigmoid, .tanh])
    func vectorKernelsAreAccurateToAFewUlp(activation: Activation) {
        let x = Tensor(Self.inputs)
        let y = activation(x)
        for (input, output) in zip(Self.inputs, y.scalars) {
            let exact =
                activation == .sigmoid ? 1 / (1 + Foundation.exp(-Double(input))) : Foundation.tanh(Double(input))
            let error = Swift.abs(Double(output) - exact)
            #expect(
                error <= 4 * Double(Float.ulpOfOne) * Swift.max(Swift.abs(exact), 1e-30) + 1e-38,
                "\(activation)(\(input)) = \(output), exact \(exact)")
        }
    }

    /// The out-of-place tensor form gives exactly what the in-place buffer form gives, and the
    /// derivative matches a central difference of the activation.
    @Test(arguments: Activation.allCases)
    func tensorBackpropagationMatchesInPlaceAndFiniteDifferences(activation: Activation) {
        var generator = SeededGenerator(seed: 2)
        let x = Tensor.normal(shape: [3, 37], using: &generator)
        let y = activation(x)
        let upstream = Tensor.normal(shape: [3, 37], using: &generator)
        var inPlace = upstream
        inPlace.withUnsafeMutableBufferPointer { g in
            y.withUnsafeBufferPointer { activation.backpropagate(g, output: $0, width: 37) }
        }
        let gradient = activation.backpropagate(upstream, output: y)
        #expect(gradient == inPlace)
        guard activation != .softmax, activation != .relu, activation != .hardSigmoid else { return }
        let h: Float = 1e-2
        let numeric = (activation(x + h) - activation(x - h)) * upstream / (2 * h)
        #expect(gradient.isApproximatelyEqual(to: numeric, absoluteTolerance: 1e-3))
    }

    @Test func piecewiseActivationsAreExact() {
        let x = Tensor([-3, -2.5, -1, 0, 1, 2.5, 3])
        #expect(Activation.relu(x).scalars == [0, 0, 0, 0, 1, 2.5, 3])
        #expect(Activation.hardSigmoid(x).scalars == [0, 0, 0.3, 0.5, 0.7, 1, 1])
        #expect(Activation.linear(x) == x)
    }

    @Test func softmaxRowsSumToOne() {
        let y = Activation.softmax(Tensor(rows: [[1, 2, 3], [1000, 1000, 1000]]))
        #expect(Swift.abs(y[0, 0] + y[0, 1] + y[0, 2] - 1) < 1e-6)
        #expect(Swift.abs(y[0, 2] - 0.66524096) < 1e-6)
        #expect(y[1, 0] == y[1, 2])
    }
}
