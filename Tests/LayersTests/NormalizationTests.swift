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

/// A BatchNormalization fixture: the weights (moving statistics included), the training-mode output and
/// gradients, the moving statistics after that call, and the inference-mode output and gradients.
struct BatchNormalizationFixture: Decodable {
    struct Config: Decodable {
        var momentum: Float?
        var epsilon: Float?
        var center: Bool?
        var scale: Bool?
    }
    var config: Config
    var weights: [String: FixtureTensor]
    var input: FixtureTensor
    var upstream: FixtureTensor
    var output: FixtureTensor
    var gradInput: FixtureTensor
    var gradWeights: [String: FixtureTensor]
    var movingAfter: [String: FixtureTensor]
    var inferenceOutput: FixtureTensor
    var inferenceGradInput: FixtureTensor
    var inferenceGradWeights: [String: FixtureTensor]
}

/// Dense → BatchNormalization → Dense in Keras: gradients, then Adam steps with the moving statistics.
struct BatchNormalizationModelFixture: Decodable {
    struct Entry: Decodable {
        var name: String
        var weights: [String: FixtureTensor]
    }
    var momentum: Float
    var layers: [Entry]
    var paramCounts: [Int]
    var nonTrainableCount: Int
    var input: FixtureTensor
    var target: FixtureTensor
    var loss: Float
    var gradients: [String: FixtureTensor]
    var steps: Int
    var losses: [Float]
    var weightsAfter: [Entry]
    var inferenceOutputAfter: FixtureTensor
}

func weightsByPath(_ entries: [BatchNormalizationModelFixture.Entry]) -> [String: Tensor] {
    var weights: [String: Tensor] = [:]
    for entry in entries {
        for (name, value) in entry.weights { weights["\(entry.name)/\(name)"] = value.tensor }
    }
    return weights
}

@Suite struct BatchNormalizationTests {
    static func model(inputShape: [Int], momentum: Float = 0.99) throws -> Sequential {
        try Sequential(inputShape: inputShape, seed: 4) {
            Dense(units: 4, activation: .tanh, name: "dense")
            BatchNormalization(momentum: momentum, name: "batch_normalization")
            Dense(units: 2, name: "dense_1")
        }
    }

    func movingStatistics(_ model: Sequential) -> [Tensor] {
        model.parameters.filter { !$0.isTrainable }.map(\.value)
    }

    @Test(arguments: [
        "batch_normalization_2d", "batch_normalization_3d", "batch_normalization_3d_no_center_no_scale",
    ])
    func matchesKerasInTrainingAndInference(name: String) throws {
        let f = try fixture(BatchNormalizationFixture.self, name)
        let c = f.config
        let layer = BatchNormalization(
            momentum: c.momentum ?? 0.99, epsilon: c.epsilon ?? 1e-3, center: c.center ?? true,
            scale: c.scale ?? true, name: "batch_normalization")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        try load(f.weights, into: layer)
        let before = layer.parameters.map(\.value)

        expectClose(try layer.forward(f.input.tensor, training: false), f.inferenceOutput.tensor, "\(name) inference")
        #expect(layer.parameters.map(\.value) == before, "inference leaves the moving statistics alone")
        expectClose(try layer.backward(f.upstream.tensor), f.inferenceGradInput.tensor, "\(name) inference ∂input")
        for parameter in layer.parameters where parameter.isTrainable {
            expectClose(
                parameter.gradient, try #require(f.inferenceGradWeights[parameter.name]).tensor,
                "\(name) inference ∂\(parameter.name)")
        }

        for parameter in layer.parameters { parameter.zeroGradient() }
        expectClose(try layer.forward(f.input.tensor, training: true), f.output.tensor, "\(name) training output")
        for parameter in [layer.movingMean, layer.movingVariance] {
            let parameter = try #require(parameter)
            expectClose(
                parameter.value, try #require(f.movingAfter[parameter.name]).tensor, tolerance: 1e-6,
                "\(name) \(parameter.name) after a training call")
        }
        expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, "\(name) training ∂input")
        for parameter in layer.parameters where parameter.isTrainable {
            expectClose(
                parameter.gradient, try #require(f.gradWeights[parameter.name]).tensor,
                "\(name) training ∂\(parameter.name)")
        }
    }

    @Test(arguments: ["batch_normalization_model_2d", "batch_normalization_model_3d"])
    func modelGradientsAdamStepsAndMovingStatisticsMatchKeras(name: String) throws {
        let f = try fixture(BatchNormalizationModelFixture.self, name)
        let model = try Self.model(inputShape: Array(f.input.shape.dropFirst()), momentum: f.momentum)
        #expect(model.layers.map(\.parameterCount) + [model.parameterCount] == f.paramCounts)
        #expect(model.parameters.filter { !$0.isTrainable }.reduce(0) { $0 + $1.count } == f.nonTrainableCount)
        try model.setWeights(weightsByPath(f.layers))
        let (x, y) = (f.input.tensor, f.target.tensor)
        model.compile(optimizer: Adam(learningRate: 1e-2), loss: .meanSquaredError)

        let before = movingStatistics(model)
        let (loss, gradients) = try model.lossAndGradients(x, y)
        #expect(Swift.abs(loss - f.loss) <= 1e-5 * f.loss, "loss \(loss) vs Keras \(f.loss)")
        #expect(Set(gradients.keys) == Set(f.gradients.keys), "only trainable weights have gradients")
        for (path, expected) in f.gradients {
            expectClose(try #require(gradients[path]), expected.tensor, "\(name) ∂\(path)")
        }
        #expect(movingStatistics(model) == before, "gradients(_:_:) leaves the moving statistics alone")

        var losses: [Float] = []
        for _ in 0..<f.steps { losses.append(try model.trainOnBatch(x, y)) }
        for (ours, theirs) in zip(losses, f.losses) {
            #expect(Swift.abs(ours - theirs) <= 1e-5 * theirs, "loss \(ours) vs Keras \(theirs)")
        }
        let after = weightsByPath(f.weightsAfter)
        for (path, value) in model.weightsByName {
            expectClose(value, try #require(after[path]), tolerance: 1e-5, "\(name) \(path) after \(f.steps) steps")
        }
        expectClose(try model.predict(x), f.inferenceOutputAfter.tensor, "\(name) inference output after training")
    }

    @Test func parameterCountsAndSummaryFollowKeras() throws {
        // Keras: Dense(4) → BatchNormalization → Dense(2) on 3 features: 16 + 16 + 10 = 42 parameters,
        // 8 of them (the moving mean and variance) non-trainable.
        let model = try Self.model(inputShape: [3])
        #expect(model.layers.map(\.parameterCount) == [16, 16, 10])
        let bn = try #require(model.layers[1] as? BatchNormalization)
        #expect(bn.parameters.map(\.name) == ["gamma", "beta", "moving_mean", "moving_variance"])
        #expect(bn.parameters.map(\.isTrainable) == [true, true, false, false])
        let summary = model.summary()
        #expect(summary.contains(" Total params: 42 (168.00 B)"), "\(summary)")
        #expect(summary.contains(" Trainable params: 34 (136.00 B)"), "\(summary)")
        #expect(summary.contains(" Non-trainable params: 8 (32.00 B)"), "\(summary)")
        #expect(LayerRegistry.isRegistered("BatchNormalization"))
        #expect(BatchNormalization(center: false, scale: false).configuration.center == false)
    }

    @Test(arguments: [([6], true, true), ([3, 5], true, true), ([2, 3, 4], false, true), ([4, 3], true, false)])
    func passesTheKitInTrainingMode(inputShape: [Int], center: Bool, scale: Bool) {
        let features = inputShape.last!
        let report = LayerTest.run(
            BatchNormalization(momentum: 0.5, center: center, scale: scale), inputShape: inputShape, batchSize: 4,
            expectedOutputShape: inputShape,
            expectedParameterCount: (center ? features : 0) + (scale ? features : 0) + 2 * features, seed: 6)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [true, false])
    func finiteDifferencesAgreeAndLeaveTheMovingStatisticsAlone(training: Bool) throws {
        let layer = BatchNormalization(momentum: 0.5)
        var generator = SeededGenerator(seed: 8)
        try layer.build(inputShape: [3, 4], using: &generator)
        for parameter in layer.parameters {
            try parameter.assign(Tensor.uniform(shape: parameter.value.shape, limit: 0.5, using: &generator) + 1)
        }
        let before = layer.parameters.map(\.value)
        let report = try GradientCheck.run(layer, inputShape: [5, 3, 4], seed: 1, training: training)
        #expect(report.passed, "\(report)")
        // 12 input entries sampled up to 64, gamma and beta: the moving statistics are not compared.
        #expect(report.checkedCount == 60 + 4 + 4)
        #expect(layer.parameters.map(\.value) == before)
    }

    @Test func optimizersSkipTheMovingStatistics() throws {
        for optimizer: any Optimizer in [Adam(learningRate: 0.1), SGD(learningRate: 0.1)] {
            let layer = BatchNormalization()
            var generator = SeededGenerator(seed: 0)
            try layer.build(inputShape: [3], using: &generator)
            for parameter in layer.parameters { parameter.gradient = Tensor(repeating: 1, shape: [3]) }
            optimizer.update(layer.parameters)
            #expect(layer.movingMean?.value == Tensor(zeros: [3]))
            #expect(layer.movingVariance?.value == Tensor(repeating: 1, shape: [3]))
            #expect(layer.gamma?.value != Tensor(repeating: 1, shape: [3]))
        }
    }

    @Test func savedAndLoadedWithTheMovingStatistics() throws {
        let model = try Self.model(inputShape: [3], momentum: 0.5)
        var generator = SeededGenerator(seed: 2)
        let x = Tensor.normal(shape: [16, 3], using: &generator) * 3 + 1
        model.compile(optimizer: Adam(learningRate: 1e-2), loss: .meanSquaredError)
        try model.fit(x, Tensor.normal(shape: [16, 2], using: &generator), epochs: 2, batchSize: 4, verbose: .silent)
        #expect(movingStatistics(model) != [Tensor(zeros: [4]), Tensor(repeating: 1, shape: [4])])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-bn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        #expect(movingStatistics(loaded) == movingStatistics(model))
        #expect(loaded.parameters.map(\.isTrainable) == model.parameters.map(\.isTrainable))
        #expect(try loaded.predict(x) == model.predict(x))
        let layer = try #require(loaded.layers[1] as? BatchNormalization)
        #expect(layer.configuration == (model.layers[1] as? BatchNormalization)?.configuration)
        #expect(layer.momentum == 0.5)
    }

    @Test func failedTrainingStepsRestoreTheMovingStatistics() throws {
        final class Exploding: Optimizer {
            var learningRate: Float = 1
            var iterations = 0
            func update(_ parameters: [Parameter]) {
                iterations += 1
                for parameter in parameters { parameter.value = parameter.value * Float.infinity }
            }
        }
        var generator = SeededGenerator(seed: 3)
        let x = Tensor.normal(shape: [8, 3], using: &generator)
        let y = Tensor.normal(shape: [8, 2], using: &generator)

        // The optimizer refuses the step.
        let refused = try Self.model(inputShape: [3], momentum: 0.5)
        refused.compile(optimizer: Exploding(), loss: .meanSquaredError)
        var before = movingStatistics(refused)
        #expect(throws: TrainingError.nonFiniteWeights(parameter: "dense/kernel", step: 1, epoch: nil, batch: nil)) {
            try refused.trainOnBatch(x, y)
        }
        #expect(movingStatistics(refused) == before)
        // (A custom optimizer's own step count is not restored: this one counted the refused step.)
        #expect(throws: TrainingError.nonFiniteWeights(parameter: "dense/kernel", step: 2, epoch: 0, batch: 0)) {
            try refused.fit(x, y, epochs: 1, batchSize: 8, verbose: .silent)
        }
        #expect(movingStatistics(refused) == before)

        // A non-finite loss: no step, the statistics as before.
        let model = try Self.model(inputShape: [3], momentum: 0.5)
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        before = movingStatistics(model)
        #expect(!(try model.trainOnBatch(x, y * 1e30).isFinite))
        #expect(movingStatistics(model) == before)

        // Moving statistics that would overflow: the step is refused naming them.
        let direct = try Sequential(inputShape: [2]) { BatchNormalization(momentum: 0.5) }
        direct.compile(optimizer: Adam(), loss: .meanSquaredError)
        let huge = Tensor(shape: [2, 2], scalars: [3e30, 1, -3e30, 2])
        before = movingStatistics(direct)
        #expect(
            throws: TrainingError.nonFiniteWeights(
                parameter: "batch_normalization/moving_variance", step: 1, epoch: nil, batch: nil)
        ) {
            try direct.trainOnBatch(huge, Tensor(zeros: [2, 2]))
        }
        #expect(movingStatistics(direct) == before)
        #expect(direct.optimizer?.iterations == 0)
    }

    @Test func rejectsOtherAxesAndBadHyperparameters() throws {
        #expect(
            throws: LayerError.invalidArgument(
                layer: "bn", argument: "axis", value: "1",
                expected: "-1 (the last axis, the only one supported; 2 with the batch axis counted)")
        ) {
            try Sequential(inputShape: [3, 4]) { BatchNormalization(axis: 1, name: "bn") }
        }
        for momentum: Float in [-0.1, 1.5, .nan] {
            #expect(
                throws: LayerError.invalidArgument(
                    layer: "bn", argument: "momentum", value: "\(momentum)", expected: "a number in [0, 1]")
            ) {
                try BatchNormalization(momentum: momentum, name: "bn").outputShape(for: [4])
            }
        }
        #expect(
            throws: LayerError.invalidArgument(
                layer: "bn", argument: "epsilon", value: "0.0", expected: "a finite number > 0")
        ) {
            try BatchNormalization(epsilon: 0, name: "bn").outputShape(for: [4])
        }
        #expect(throws: LayerError.notBuilt(layer: "fresh")) {
            try BatchNormalization(name: "fresh").forward(Tensor(zeros: [2, 4]), training: true)
        }
        let layer = BatchNormalization(name: "bn")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: [4], using: &generator)
        #expect(throws: LayerError.incompatibleInput(layer: "bn", expected: "[…, 4]", received: [3])) {
            try layer.forward(Tensor(zeros: [2, 3]), training: true)
        }
        #expect(layer.movingMean?.value == Tensor(zeros: [4]))
    }
}
