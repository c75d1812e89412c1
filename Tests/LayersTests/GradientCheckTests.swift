import Layers
import Tensor
import Testing

/// Every layer's backward pass against central finite differences.
@Suite struct GradientCheckTests {
    @Test(arguments: [Activation.linear, .relu, .tanh, .sigmoid, .softmax])
    func denseBackwardPassesGradientCheck(activation: Activation) throws {
        let report = try GradientCheck.run(
            Dense(units: 4, activation: activation, name: "dense"), inputShape: [3, 5], seed: 1)
        #expect(report.passed, "\(report)")
        #expect(report.checkedCount == 15 + 20 + 4)
    }

    @Test func denseOnSequencePassesGradientCheck() throws {
        let report = try GradientCheck.run(
            Dense(units: 3, activation: .tanh, name: "dense"), inputShape: [2, 4, 5], seed: 2)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [Regularizer.l1(0.05), .l2(0.05), .l1l2(l1: 0.02, l2: 0.03)])
    func activityRegularizerPassesGradientCheck(regularizer: Regularizer) throws {
        let layer = Dense(units: 4, activation: .tanh, activityRegularizer: regularizer, name: "dense")
        let report = try GradientCheck.run(layer, inputShape: [3, 5], seed: 3)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [
        (Activation.tanh, Activation.sigmoid, true), (.tanh, .sigmoid, false), (.relu, .sigmoid, true),
        (.relu, .hardSigmoid, false), (.tanh, .hardSigmoid, true),
    ])
    func lstmBackwardPassesGradientCheck(activation: Activation, recurrent: Activation, sequences: Bool) throws {
        let layer = LSTM(
            units: 4, activation: activation, recurrentActivation: recurrent, returnSequences: sequences, name: "lstm")
        let report = try GradientCheck.run(layer, inputShape: [3, 5, 2], seed: 4, epsilon: 5e-3)
        #expect(report.passed, "\(report)")
    }

    @Test func repeatVectorPassesGradientCheck() throws {
        let report = try GradientCheck.run(RepeatVector(count: 3, name: "repeat"), inputShape: [2, 4], seed: 5)
        #expect(report.passed, "\(report)")
        #expect(report.checkedCount == 8)
    }

    @Test func timeDistributedPassesGradientCheck() throws {
        let layer = TimeDistributed(Dense(units: 3, activation: .sigmoid), name: "td")
        let report = try GradientCheck.run(layer, inputShape: [2, 4, 5], seed: 6)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [0, 1, 2])
    func lossGradientsPassGradientCheck(which: Int) {
        var generator = SeededGenerator(seed: 7)
        let losses: [any Loss] = [MeanSquaredError(), MeanAbsoluteError(), BinaryCrossentropy()]
        let predicted =
            which == 2
            ? Tensor.uniform(shape: [3, 4], limit: 0.4, using: &generator) + 0.5
            : Tensor.normal(shape: [3, 4], using: &generator)
        let target =
            which == 2
            ? Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0 % 2) })
            : Tensor.normal(shape: [3, 4], using: &generator)
        let report = GradientCheck.run(losses[which], predicted: predicted, target: target)
        #expect(report.passed, "\(report)")
    }

    @Test func detectsAWrongBackwardPass() throws {
        // A layer whose backward is off by a factor must fail the check: the check can fail.
        final class Broken: Layer {
            struct Configuration: LayerConfiguration { var name = "broken" }
            static let typeName = "Broken"
            var configuration = Configuration()
            init() {}
            init(configuration: Configuration) { self.configuration = configuration }
            func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
            func forward(_ input: Tensor, training: Bool) throws -> Tensor { input * input }
            func backward(_ outputGradient: Tensor) throws -> Tensor { outputGradient }
        }
        let report = try GradientCheck.run(Broken(), inputShape: [2, 3])
        #expect(!report.passed)
    }
}
