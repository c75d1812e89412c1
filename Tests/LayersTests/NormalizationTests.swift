import Foundation
import Layers
import Tensor
import TestSupport
import Testing

// LayerNormalization and BatchNormalization against Keras 3 (scripts/make_normalization_fixtures.py),
// finite differences and the layer test kit.

@Suite struct LayerNormalizationTests {
    static let cases = [
        "layer_normalization_2d", "layer_normalization_3d", "layer_normalization_3d_no_center",
        "layer_normalization_2d_no_scale",
    ]

    static func layer(for name: String) -> LayerNormalization {
        LayerNormalization(
            epsilon: name == "layer_normalization_3d" ? 1e-2 : 1e-3, center: !name.hasSuffix("no_center"),
            scale: !name.hasSuffix("no_scale"), name: "layer_normalization")
    }

    @Test(arguments: cases)
    func matchesKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let layer = Self.layer(for: name)
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        try load(f.weights, into: layer)
        for mode in [true, false] {
            for parameter in layer.parameters { parameter.zeroGradient() }
            expectClose(try layer.forward(f.input.tensor, training: mode), f.output.tensor, "\(name) output")
            expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, "\(name) ∂input")
            for parameter in layer.parameters {
                expectClose(
                    parameter.gradient, try #require(f.gradWeights[parameter.name]).tensor,
                    "\(name) ∂\(parameter.name)")
            }
        }
    }

    @Test(arguments: [([6], true, true), ([3, 5], true, true), ([2, 3, 4], false, true), ([4, 3], true, false)])
    func passesTheKit(inputShape: [Int], center: Bool, scale: Bool) {
        let features = inputShape.last!
        let layer = LayerNormalization(center: center, scale: scale)
        let report = LayerTest.run(
            layer, inputShape: inputShape, expectedOutputShape: inputShape,
            expectedParameterCount: (center ? features : 0) + (scale ? features : 0), seed: 3)
        #expect(report.passed, "\(report)")
    }

    @Test func finiteDifferencesAgreeWithNonTrivialWeights() throws {
        let layer = LayerNormalization()
        var generator = SeededGenerator(seed: 9)
        try layer.build(inputShape: [3, 5], using: &generator)
        for parameter in layer.parameters {
            try parameter.assign(Tensor.uniform(shape: parameter.value.shape, limit: 1.5, using: &generator))
        }
        let report = try GradientCheck.run(layer, inputShape: [4, 3, 5], seed: 2)
        #expect(report.passed, "\(report)")
    }

    @Test func parameterCountAndWeightNamesFollowKeras() throws {
        // Keras: LayerNormalization on 16 features has gamma [16] and beta [16], 32 parameters.
        let model = try Sequential(inputShape: [5, 16]) { LayerNormalization() }
        #expect(model.parameterCount == 32)
        #expect(model.namedParameters.map(\.path) == ["layer_normalization/gamma", "layer_normalization/beta"])
        #expect(model.parameters.allSatisfy { $0.isTrainable })
        #expect(LayerRegistry.isRegistered("LayerNormalization"))
    }

    @Test func rejectsOtherAxesAndBadHyperparameters() throws {
        #expect(
            throws: LayerError.invalidArgument(
                layer: "ln", argument: "axis", value: "1",
                expected: "-1 (the last axis, the only one supported; 2 with the batch axis counted)")
        ) {
            try Sequential(inputShape: [3, 4]) { LayerNormalization(axis: 1, name: "ln") }
        }
        // Counted with the batch axis, 2 is the last axis of [3, 4] samples.
        #expect(try LayerNormalization(axis: 2).outputShape(for: [3, 4]) == [3, 4])
        for epsilon: Float in [0, -1, .nan, .infinity] {
            #expect(
                throws: LayerError.invalidArgument(
                    layer: "ln", argument: "epsilon", value: "\(epsilon)", expected: "a finite number > 0")
            ) {
                try LayerNormalization(epsilon: epsilon, name: "ln").outputShape(for: [4])
            }
        }
        let layer = LayerNormalization(name: "ln")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: [4], using: &generator)
        #expect(throws: LayerError.incompatibleInput(layer: "ln", expected: "[…, 4]", received: [5])) {
            try layer.forward(Tensor(zeros: [2, 5]), training: false)
        }
        #expect(throws: LayerError.notBuilt(layer: "fresh")) {
            try LayerNormalization(name: "fresh").backward(Tensor(zeros: [2, 4]))
        }
    }
}
