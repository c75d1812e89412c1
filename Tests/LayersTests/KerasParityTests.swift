import Foundation
import Layers
import Tensor
import TestSupport
import Testing

// Parity with Keras 3: every expected value below comes from scripts/make_fixtures.py (TensorFlow/Keras
// from PyPI), which loads the same weights into Keras and records outputs and gradients.

struct LayerFixture: Decodable {
    var weights: [String: FixtureTensor]
    var input: FixtureTensor
    var output: FixtureTensor
    var upstream: FixtureTensor
    var gradInput: FixtureTensor
    var gradWeights: [String: FixtureTensor]
    var regularizationLoss: Float?
}

struct ModelFixture: Decodable {
    struct LayerEntry: Decodable {
        var type: String
        var weights: [String: FixtureTensor]
    }
    var layers: [LayerEntry]
    var input: FixtureTensor
    var target: FixtureTensor?
    var output: FixtureTensor
    var mse: Float?
    var loss: Float?
    var paramCounts: [Int]?
    var grads: [[String: FixtureTensor]]?
    var lossesBeforeEachStep: [Float]?
    var weightsAfterStep1: [[String: FixtureTensor]]?
    var weightsAfterStep3: [[String: FixtureTensor]]?
}

func fixture<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
    do {
        return try loadFixture(T.self, named: name, in: Bundle.module)
    } catch {
        Issue.record("fixture Fixtures/\(name).json: \(error); run scripts/make_fixtures.py")
        throw error
    }
}

/// Normwise relative error: `max|a − b| / max|b|` (exact zeros compare absolutely).
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    guard actual.shape == expected.shape else { return .infinity }
    let scale = Swift.max(expected.scalars.map { Swift.abs($0) }.max() ?? 0, 1e-6)
    return zip(actual.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

func expectClose(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-5, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let error = relativeError(actual, expected)
    #expect(
        error <= tolerance, "\(what): relative error \(error) (shapes \(actual.shape) vs \(expected.shape))",
        sourceLocation: sourceLocation)
}

func load(_ weights: [String: FixtureTensor], into layer: any Layer) throws {
    #expect(Set(weights.keys) == Set(layer.parameters.map(\.name)), "weights of \(layer.name)")
    for parameter in layer.parameters {
        try parameter.assign(try #require(weights[parameter.name]).tensor)
    }
}

@Suite struct KerasParityTests {
    static let lstmCases = ["relu", "tanh"].flatMap { activation in
        ["sigmoid", "hard_sigmoid_keras2"].flatMap { recurrent in
            ["seq", "last"].map { "lstm_\(activation)_\(recurrent)_\($0)" }
        }
    }

    @Test(arguments: lstmCases)
    func lstmForwardAndGradientsMatchKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let parts = name.split(separator: "_")
        let layer = LSTM(
            units: f.output.shape.last!, activation: parts[1] == "relu" ? .relu : .tanh,
            recurrentActivation: name.contains("hard_sigmoid") ? .hardSigmoid : .sigmoid,
            returnSequences: name.hasSuffix("_seq"), name: "lstm")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        try load(f.weights, into: layer)
        expectClose(try layer.forward(f.input.tensor, training: true), f.output.tensor, "\(name) output")
        let inputGradient = try layer.backward(f.upstream.tensor)
        expectClose(inputGradient, f.gradInput.tensor, "\(name) ∂input")
        for parameter in layer.parameters {
            expectClose(
                parameter.gradient, try #require(f.gradWeights[parameter.name]).tensor, "\(name) ∂\(parameter.name)")
        }
    }

    @Test(arguments: [
        "dense_relu", "dense_linear", "dense_sigmoid", "dense_tanh", "dense_sequence", "dense_l1_activity",
    ])
    func denseForwardAndGradientsMatchKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let activation: Activation =
            switch name {
            case "dense_relu", "dense_l1_activity": .relu
            case "dense_sigmoid": .sigmoid
            case "dense_tanh": .tanh
            default: .linear
            }
        let layer = Dense(
            units: f.output.shape.last!, activation: activation,
            activityRegularizer: name == "dense_l1_activity" ? .l1(1e-3) : nil, name: "dense")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        try load(f.weights, into: layer)
        expectClose(try layer.forward(f.input.tensor, training: true), f.output.tensor, "\(name) output")
        if let expected = f.regularizationLoss {
            #expect(
                Swift.abs(layer.regularizationLoss - expected) <= 1e-5 * Swift.abs(expected),
                "\(name) regularization loss")
        }
        expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, "\(name) ∂input")
        for parameter in layer.parameters {
            expectClose(
                parameter.gradient, try #require(f.gradWeights[parameter.name]).tensor, "\(name) ∂\(parameter.name)")
        }
    }

    @Test func seedAutoencoderOutputLossGradientsAndAdamStepsMatchKeras() throws {
        try expectModelParity(try seedAutoencoder(), fixture: "seed_autoencoder")
    }

    @Test func denoisingAutoencoderWithNestedModelsMatchesKeras() throws {
        let encoder = try Sequential(inputShape: [28, 28, 1], seed: 1, name: "encoder") {
            Conv2D(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
        }
        let decoder = try Sequential(inputShape: [7, 7, 8], seed: 2, name: "decoder") {
            Conv2DTranspose(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2DTranspose(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 1, kernelSize: 3, padding: .same, activation: .sigmoid)
        }
        let model = try Sequential(inputShape: [28, 28, 1]) {
            encoder
            decoder
        }
        try expectModelParity(model, fixture: "denoiser")
    }

    /// The tutorial's basic autoencoder scaled down to 7×8 images (Flatten, Dense, Dense, Reshape).
    @Test func basicImageAutoencoderMatchesKeras() throws {
        let model = try Sequential(inputShape: [7, 8]) {
            Flatten()
            Dense(units: 6, activation: .relu)
            Dense(units: 56, activation: .sigmoid)
            Reshape(targetShape: [7, 8])
        }
        try expectModelParity(model, fixture: "basic_autoencoder")
    }
}

/// The layers that hold weights or compute, with nested models opened, in order: what Keras lists
/// per layer in the model fixtures.
func leafLayers(_ model: Sequential) -> [any Layer] {
    model.layers.flatMap { ($0 as? Sequential).map(leafLayers) ?? [$0] }
}

/// Compares a model with a Keras model fixture: output and MSE at the fixture's weights, gradients of
/// the MSE, and the weights and losses of three Adam steps (`train_on_batch`) on the same batch.
func expectModelParity(_ model: Sequential, fixture name: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws
{
    let f = try fixture(ModelFixture.self, name)
    let leaves = leafLayers(model)
    #expect(leaves.map(\.typeName) == f.layers.map(\.type), sourceLocation: sourceLocation)
    #expect(
        f.paramCounts.map { Array($0.prefix(leaves.count)) } == leaves.map(\.parameterCount),
        sourceLocation: sourceLocation)
    #expect(f.paramCounts?.last == model.parameterCount, sourceLocation: sourceLocation)
    for (layer, entry) in zip(leaves, f.layers) { try load(entry.weights, into: layer) }
    let x = f.input.tensor
    let target = (f.target ?? f.input).tensor
    let output = try model.predict(x)
    expectClose(output, f.output.tensor, "\(name) output", sourceLocation: sourceLocation)
    let mse = MeanSquaredError().value(predicted: output, target: target)
    #expect(Swift.abs(mse - f.mse!) <= 1e-5 * f.mse!, "MSE \(mse) vs Keras \(f.mse!)", sourceLocation: sourceLocation)

    // Gradients of the MSE at the initial weights.
    for parameter in model.parameters { parameter.zeroGradient() }
    let prediction = try model.forward(x, training: true)
    try model.backward(MeanSquaredError().gradient(predicted: prediction, target: target))
    for (layer, expected) in zip(leaves, try #require(f.grads)) {
        for parameter in layer.parameters {
            expectClose(
                parameter.gradient, try #require(expected[parameter.name]).tensor,
                "∂\(layer.name)/\(parameter.name)", sourceLocation: sourceLocation)
        }
    }

    // Three Adam steps on the same batch, as train_on_batch does.
    model.compile(optimizer: Adam(learningRate: 1e-3), loss: .meanSquaredError)
    var losses: [Float] = []
    for step in 1...3 {
        losses.append(try model.trainOnBatch(x, target))
        if step == 1 || step == 3 {
            let expected = try #require(step == 1 ? f.weightsAfterStep1 : f.weightsAfterStep3)
            for (layer, weights) in zip(leaves, expected) {
                for parameter in layer.parameters {
                    expectClose(
                        parameter.value, try #require(weights[parameter.name]).tensor, tolerance: 1e-5,
                        "\(layer.name)/\(parameter.name) after \(step) Adam step(s)", sourceLocation: sourceLocation)
                }
            }
        }
    }
    if let expected = f.lossesBeforeEachStep {
        for (ours, theirs) in zip(losses, expected) {
            #expect(
                Swift.abs(ours - theirs) <= 1e-5 * theirs, "loss \(ours) vs Keras \(theirs)",
                sourceLocation: sourceLocation)
        }
    }
}
