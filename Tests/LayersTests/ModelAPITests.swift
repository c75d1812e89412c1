import Layers
import Tensor
import TestSupport
import Testing

/// scripts/make_gradient_fixtures.py: a Keras LSTM + nested Dense model with an activity regularizer.
struct GradientFixture: Decodable {
    var input: FixtureTensor
    var target: FixtureTensor
    var weights: [String: FixtureTensor]
    var gradients: [String: FixtureTensor]
    var mse: Float
    var regularizationLoss: Float
    var loss: Float
}

/// The fixture's architecture: an LSTM, then a nested model `head` with one regularized Dense layer.
func gradientFixtureModel(seed: UInt64 = 3) throws -> Sequential {
    let head = try Sequential(inputShape: [5], name: "head") {
        Dense(units: 3, activation: .tanh, activityRegularizer: .l1l2(l1: 0.05, l2: 0.2))
    }
    return try Sequential(inputShape: [4, 3], seed: seed) {
        LSTM(units: 5)
        head
    }
}

@Suite struct ModelAPITests {
    // MARK: layer(named:)

    @Test func layerNamedFindsLayersAndNestedPaths() throws {
        let model = try gradientFixtureModel()
        let lstm = try #require(model.layer(named: "lstm"))
        #expect(lstm === model.layers[0])
        let head = try #require(model.layer(named: "head") as? Sequential)
        let dense = try #require(model.layer(named: "head/dense") as? Dense)
        #expect(dense === head.layers[0])
        #expect(dense.units == 3)
        for missing in ["dense", "head/lstm", "lstm/kernel", "head/dense/kernel", "", "/lstm", "head/", "nope"] {
            #expect(model.layer(named: missing) == nil, "\(missing)")
        }
    }

    // MARK: weights by name

    @Test func weightsByNameUsesTheSavedWeightPaths() throws {
        let model = try gradientFixtureModel()
        let weights = model.weightsByName
        #expect(
            Set(weights.keys) == [
                "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias", "head/dense/kernel", "head/dense/bias",
            ])
        #expect(weights["lstm/kernel"]?.shape == [3, 20])
        #expect(weights["head/dense/kernel"] == model.parameters[3].value)
        #expect(weights.count == model.namedWeights.count)
    }

    @Test func setWeightsByNameReplacesEveryWeight() throws {
        let model = try gradientFixtureModel(seed: 1)
        let other = try gradientFixtureModel(seed: 2)
        #expect(model.weightsByName != other.weightsByName)
        try model.setWeights(other.weightsByName)
        #expect(model.weightsByName == other.weightsByName)
        let x = Tensor(shape: [2, 4, 3], scalars: (0..<24).map { Float($0) / 24 })
        #expect(try model.predict(x) == other.predict(x))
    }

    @Test func setWeightsByNameChangesNothingUnlessAllIsValid() throws {
        let model = try gradientFixtureModel()
        let before = model.weightsByName
        var zeros = before.mapValues { Tensor(zeros: $0.shape) }

        var unknown = zeros
        unknown["head/dense/kernal"] = Tensor(zeros: [5, 3])
        #expect(throws: LayerError.unknownWeight(name: "head/dense/kernal", available: model.namedWeights.map(\.name)))
        {
            try model.setWeights(unknown)
        }
        var missing = zeros
        missing["lstm/bias"] = nil
        #expect(throws: LayerError.missingWeight(name: "lstm/bias")) { try model.setWeights(missing) }
        zeros["head/dense/bias"] = Tensor(zeros: [4])
        #expect(throws: LayerError.weightShapeMismatch(parameter: "head/dense/bias", expected: [3], received: [4])) {
            try model.setWeights(zeros)
        }
        #expect(throws: LayerError.missingWeight(name: "head/dense/bias")) { try model.setWeights([:]) }
        #expect(model.weightsByName == before)
        #expect("\(LayerError.missingWeight(name: "lstm/bias"))".contains("'lstm/bias'"))
    }

    // MARK: gradients

    @Test func gradientsMatchKerasIncludingTheActivityRegularizer() throws {
        let f = try fixture(GradientFixture.self, "model_gradients")
        let model = try gradientFixtureModel()
        try model.setWeights(f.weights.mapValues(\.tensor))
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        let (loss, gradients) = try model.lossAndGradients(f.input.tensor, f.target.tensor)
        #expect(Swift.abs(loss - f.loss) <= 1e-5 * f.loss, "loss \(loss) vs Keras \(f.loss)")
        #expect(Set(gradients.keys) == Set(f.gradients.keys))
        for (path, expected) in f.gradients {
            expectClose(try #require(gradients[path]), expected.tensor, "∂loss/∂\(path)")
        }
        // Without the regularizer's share the Dense gradients would be off by far more than the tolerance.
        let withoutPenalty = try model.evaluate(f.input.tensor, f.target.tensor) - model.regularizationLoss
        #expect(Swift.abs(withoutPenalty - f.mse) <= 1e-5 * f.mse)
        #expect(f.regularizationLoss > 0.05 * f.mse)
    }

    @Test func gradientsNeitherStepNorAccumulate() throws {
        let f = try fixture(GradientFixture.self, "model_gradients")
        let (x, y) = (f.input.tensor, f.target.tensor)
        let model = try gradientFixtureModel()
        let twin = try gradientFixtureModel()
        for m in [model, twin] { m.compile(optimizer: Adam(learningRate: 0.01), loss: .meanSquaredError) }
        try model.trainOnBatch(x, y)
        try twin.trainOnBatch(x, y)
        let weights = model.weightsByName
        let first = try model.gradients(x, y)
        let second = try model.gradients(x, y)
        #expect(first == second, "a second call gives the same gradients, not twice them")
        #expect(model.weightsByName == weights)
        #expect(model.optimizer?.iterations == 1)
        // The optimizer's moments are untouched too: the next step is the twin's, bit for bit.
        try model.trainOnBatch(x, y)
        try twin.trainOnBatch(x, y)
        #expect(model.weightsByName == twin.weightsByName)
        // The parameters hold the last gradients until zeroGradients().
        _ = try model.gradients(x, y)
        #expect(model.parameters.contains { $0.gradient != Tensor(zeros: $0.gradient.shape) })
        model.zeroGradients()
        #expect(model.parameters.allSatisfy { $0.gradient == Tensor(zeros: $0.gradient.shape) })
    }

    @Test func gradientsCoverTrainableWeightsAndHonourTheTrainingFlag() throws {
        let model = try Sequential(inputShape: [6], seed: 5) {
            Dense(units: 8, activation: .relu)
            Dropout(rate: 0.5)
            Dense(units: 2)
        }
        model.compile(optimizer: SGD(), loss: .meanSquaredError)
        let x = Tensor(shape: [4, 6], scalars: (0..<24).map { Float($0 % 5) / 5 })
        let y = Tensor(zeros: [4, 2])
        // Inference mode: no dropout, so the same result every time.
        #expect(try model.gradients(x, y, training: false) == model.gradients(x, y, training: false))
        // Training mode: each call draws a new dropout mask, as a training step would.
        #expect(try model.gradients(x, y) != model.gradients(x, y))
        try #require(model.parameters.first).isTrainable = false
        #expect(Set(try model.gradients(x, y).keys) == ["dense/bias", "dense_1/kernel", "dense_1/bias"])
    }

    @Test func gradientsCheckTheirInput() throws {
        let model = try gradientFixtureModel()
        let x = Tensor(zeros: [2, 4, 3])
        let y = Tensor(zeros: [2, 3])
        #expect(throws: LayerError.notCompiled) { try model.gradients(x, y) }
        model.compile(optimizer: SGD(), loss: .meanSquaredError)
        #expect(throws: LayerError.targetShapeMismatch(expected: [2, 3], received: [2, 4])) {
            try model.gradients(x, Tensor(zeros: [2, 4]))
        }
        var bad = x
        bad[flat: 5] = .nan
        #expect(throws: TrainingError.self) { try model.gradients(bad, y) }
    }
}
