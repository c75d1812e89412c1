import Foundation
import Layers
import Tensor
import TestSupport
import Testing

/// scripts/make_normalization_fixtures.py: Keras 3's TimeDistributed(Dense(activity_regularizer=L1(0.1))).
struct TimeDistributedActivityFixture: Decodable {
    var weights: [String: FixtureTensor]
    var input: FixtureTensor
    var target: FixtureTensor
    var output: FixtureTensor
    var regularizationLoss: Float
    var mse: Float
    var gradients: [String: FixtureTensor]
    var evaluate: Float
}

@Suite struct TimeDistributedTests {
    static func model() throws -> Sequential {
        try Sequential(inputShape: [4, 3], seed: 1) {
            TimeDistributed(
                Dense(units: 5, activation: .relu, activityRegularizer: .l1(0.1), name: "dense"),
                name: "time_distributed")
        }
    }

    /// Keras 3 runs the wrapped layer's call(), which skips its activity regularizer: no penalty.
    @Test func wrappedActivityRegularizerAddsNoPenaltyAsInKeras3() throws {
        let f = try fixture(TimeDistributedActivityFixture.self, "time_distributed_activity")
        #expect(f.regularizationLoss == 0)
        let model = try Self.model()
        for (name, value) in f.weights {
            try #require(model.layer(named: "time_distributed")?.parameter(named: name)).assign(value.tensor)
        }
        let (x, y) = (f.input.tensor, f.target.tensor)
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        expectClose(try model.forward(x, training: true), f.output.tensor, "output")
        #expect(model.regularizationLoss == 0)
        let (loss, gradients) = try model.lossAndGradients(x, y)
        #expect(Swift.abs(loss - f.mse) <= 1e-5 * f.mse, "loss \(loss) vs Keras \(f.mse)")
        for (name, expected) in f.gradients {
            expectClose(try #require(gradients["time_distributed/\(name)"]), expected.tensor, "∂\(name)")
        }
        let evaluated = try model.evaluate(x, y)
        #expect(Swift.abs(evaluated - f.evaluate) <= 1e-5 * f.evaluate, "evaluate \(evaluated) vs Keras \(f.evaluate)")

        // The regularizer stays in the configuration, and a reloaded model still adds no penalty.
        let wrapper = try #require(model.layers.first as? TimeDistributed)
        #expect((wrapper.layer as? Dense)?.activityRegularizer == .l1(0.1))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-td-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        loaded.compile(optimizer: Adam(), loss: .meanSquaredError)
        #expect(try loaded.evaluate(x, y) == evaluated)
        #expect(((loaded.layers.first as? TimeDistributed)?.layer as? Dense)?.activityRegularizer == .l1(0.1))
    }

    @Test func theSameDenseUnwrappedStillAddsItsPenalty() throws {
        let dense = Dense(units: 5, activation: .relu, activityRegularizer: .l1(0.1))
        let model = try Sequential(inputShape: [3], seed: 1) { dense }
        var generator = SeededGenerator(seed: 2)
        _ = try model.forward(Tensor.normal(shape: [4, 3], using: &generator), training: true)
        #expect(model.regularizationLoss > 0)
    }

    @Test func passesTheKitAndTheGradientCheck() throws {
        let report = LayerTest.run(
            TimeDistributed(Dense(units: 3, activation: .tanh, activityRegularizer: .l1l2(l1: 0.1, l2: 0.1))),
            inputShape: [4, 2], expectedOutputShape: [4, 3], expectedParameterCount: 9, seed: 4)
        #expect(report.passed, "\(report)")
    }
}

@Suite struct TimeDistributedNormalizationTests {
    /// Keras 3 normalizes each time step with its own batch statistics; folding time into the batch
    /// would differ silently, so the wrapper refuses BatchNormalization, also inside a wrapped model.
    @Test func refusesBatchNormalizationInside() throws {
        let expected = LayerError.invalidArgument(
            layer: "td", argument: "layer", value: "BatchNormalization 'bn'",
            expected:
                "a layer without BatchNormalization (Keras 3 normalizes each time step with its own batch "
                + "statistics, which TimeDistributed does not support; apply BatchNormalization to the sequence)")
        #expect(throws: expected) {
            try Sequential(inputShape: [4, 3]) { TimeDistributed(BatchNormalization(name: "bn"), name: "td") }
        }
        let inner = try Sequential(inputShape: [3], name: "inner") {
            Dense(units: 2)
            BatchNormalization(name: "bn")
        }
        #expect(throws: expected) {
            try Sequential(inputShape: [4, 3]) { TimeDistributed(inner, name: "td") }
        }
    }

    /// LayerNormalization works per sample and position, so wrapping it changes nothing.
    @Test func layerNormalizationInsideEqualsLayerNormalizationOnTheSequence() throws {
        var generator = SeededGenerator(seed: 5)
        let x = Tensor.normal(shape: [3, 4, 5], using: &generator)
        let wrapped = try Sequential(inputShape: [4, 5]) { TimeDistributed(LayerNormalization()) }
        let plain = try Sequential(inputShape: [4, 5]) { LayerNormalization() }
        #expect(try wrapped.predict(x) == plain.predict(x))
    }
}

@Suite struct TimeDistributedNestedActivityTests {
    /// Keras 3 runs a wrapped model per time step through __call__: its Dense's penalty is added once
    /// per step, divided by the batch size each time, so in all by the batch size (not batch · timesteps).
    @Test func nestedModelPenaltiesFollowKeras3() throws {
        let f = try fixture(TimeDistributedActivityFixture.self, "time_distributed_nested_activity")
        let dense = Dense(units: 5, activation: .relu, activityRegularizer: .l1(0.1), name: "dense")
        let inner = try Sequential(inputShape: [3], name: "inner") { dense }
        let model = try Sequential(inputShape: [4, 3]) { TimeDistributed(inner, name: "time_distributed") }
        for (name, value) in f.weights { try #require(dense.parameter(named: name)).assign(value.tensor) }
        let (x, y) = (f.input.tensor, f.target.tensor)
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        expectClose(try model.forward(x, training: true), f.output.tensor, "output")
        #expect(
            Swift.abs(model.regularizationLoss - f.regularizationLoss) <= 1e-5 * f.regularizationLoss,
            "penalty \(model.regularizationLoss) vs Keras \(f.regularizationLoss)")
        let (loss, gradients) = try model.lossAndGradients(x, y)
        let expected = f.mse + f.regularizationLoss
        #expect(Swift.abs(loss - expected) <= 1e-5 * expected, "loss \(loss) vs Keras \(expected)")
        for (name, value) in f.gradients {
            expectClose(try #require(gradients["time_distributed/dense/\(name)"]), value.tensor, "∂\(name)")
        }
        let evaluated = try model.evaluate(x, y)
        #expect(Swift.abs(evaluated - f.evaluate) <= 1e-5 * f.evaluate, "evaluate \(evaluated) vs Keras \(f.evaluate)")
        let check = try GradientCheck.run(model, inputShape: x.shape, input: x, seed: 3)
        #expect(check.passed, "\(check)")

        // Used on its own afterwards, the inner model divides by its own batch again.
        let steps = x.reshaped(to: [12, 3])
        _ = try inner.forward(steps, training: true)
        let output = try inner.forward(steps, training: true)
        let plain = Regularizer.l1(0.1).loss(output)
        #expect(inner.regularizationLoss == plain)
    }

    /// Two wrappers fold their time steps together: the penalty is divided by the batch alone.
    @Test func nestedWrappersFoldTheirTimeStepsTogether() throws {
        let dense = Dense(units: 2, activation: .relu, activityRegularizer: .l1(0.1), name: "dense")
        let inner = try Sequential(inputShape: [3], name: "inner") { dense }
        let model = try Sequential(inputShape: [2, 4, 3]) { TimeDistributed(TimeDistributed(inner)) }
        var generator = SeededGenerator(seed: 7)
        let x = Tensor.normal(shape: [5, 2, 4, 3], using: &generator)
        let output = try model.forward(x, training: true)
        let expected = Regularizer.l1(0.1).loss(output.reshaped(to: [5, 16]))  // Σ|a| · 0.1 / batch
        #expect(Swift.abs(model.regularizationLoss - expected) <= 1e-6 * expected)
        let check = try GradientCheck.run(model, inputShape: x.shape, input: x, seed: 2)
        #expect(check.passed, "\(check)")
    }
}
