import Foundation
import Layers
import Tensor
import Testing

/// The Keras `get_config` subset the recurrent fixtures record (scripts/make_recurrent_fixtures.py).
struct RecurrentFixtureConfig: Decodable {
    struct Wrapper: Decodable { var config: RecurrentFixtureConfig }
    var className: String
    var units: Int
    var activation: Activation
    var recurrentActivation: Activation?
    var useBias: Bool
    var returnSequences: Bool
    var goBackwards: Bool
    var resetAfter: Bool?

    /// The layer these hyperparameters describe.
    func makeLayer() throws -> any Layer {
        switch className {
        case "GRU":
            GRU(
                units: units, activation: activation, recurrentActivation: recurrentActivation ?? .sigmoid,
                useBias: useBias, returnSequences: returnSequences, goBackwards: goBackwards,
                resetAfter: resetAfter ?? true, name: "gru")
        case "SimpleRNN":
            SimpleRNN(
                units: units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                goBackwards: goBackwards, name: "simple_rnn")
        case "LSTM":
            LSTM(
                units: units, activation: activation, recurrentActivation: recurrentActivation ?? .sigmoid,
                returnSequences: returnSequences, goBackwards: goBackwards, useBias: useBias, name: "lstm")
        default:
            throw LayerError.unknownLayerType(className)
        }
    }
}

@Suite struct RecurrentTests {
    static let gruCases =
        ["tanh", "relu"].flatMap { activation in
            ["reset_after", "reset_before"].flatMap { reset in
                ["seq", "last"].flatMap { sequences in
                    ["", "_backwards"].map { "gru_\(activation)_\(reset)_\(sequences)\($0)" }
                }
            }
        } + ["gru_tanh_reset_after_last_nobias"]
    static let simpleRNNCases =
        ["tanh", "relu"].flatMap { activation in
            ["seq", "last"].flatMap { sequences in
                ["", "_backwards"].map { "simple_rnn_\(activation)_\(sequences)\($0)" }
            }
        } + ["simple_rnn_tanh_last_nobias"]
    static let lstmCases = ["lstm_tanh_seq_backwards", "lstm_tanh_last_backwards"]

    @Test(arguments: gruCases + simpleRNNCases + lstmCases)
    func matchesKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let layer = try fixture(RecurrentFixtureConfig.Wrapper.self, name).config.makeLayer()
        var generator = SeededGenerator(seed: 0)
        let inputShape = Array(f.input.shape.dropFirst())
        #expect(try layer.outputShape(for: inputShape) == Array(f.output.shape.dropFirst()), "\(name) shape")
        try layer.build(inputShape: inputShape, using: &generator)
        try load(f.weights, into: layer)
        expectClose(try layer.forward(f.input.tensor, training: true), f.output.tensor, "\(name) output")
        for parameter in layer.parameters { parameter.zeroGradient() }
        expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, "\(name) ∂input")
        for parameter in layer.parameters {
            expectClose(
                parameter.gradient, try #require(f.gradWeights[parameter.name]).tensor, "\(name) ∂\(parameter.name)")
        }
    }

    static let gradientCases: [(String, @Sendable () -> any Layer)] = [
        ("gru", { GRU(units: 4, name: "gru") }),
        ("gru sequences backwards", { GRU(units: 4, returnSequences: true, goBackwards: true, name: "gru") }),
        ("gru reset before", { GRU(units: 4, resetAfter: false, name: "gru") }),
        (
            "gru reset before relu sequences backwards",
            { GRU(units: 4, activation: .relu, returnSequences: true, goBackwards: true, resetAfter: false) }
        ),
        ("gru hard sigmoid no bias", { GRU(units: 3, recurrentActivation: .hardSigmoid, useBias: false) }),
        // The other activation pairs the fused cell supports (linear, sigmoid and tanh are smooth).
        ("gru linear activation", { GRU(units: 3, activation: .linear, returnSequences: true) }),
        ("gru sigmoid activation tanh gates", { GRU(units: 3, activation: .sigmoid, recurrentActivation: .tanh) }),
        (
            "gru reset before linear gates backwards",
            { GRU(units: 3, activation: .tanh, recurrentActivation: .linear, goBackwards: true, resetAfter: false) }
        ),
        (
            "gru reset before sigmoid activation sequences",
            { GRU(units: 5, activation: .sigmoid, returnSequences: true, resetAfter: false) }
        ),
        ("simple rnn", { SimpleRNN(units: 4, name: "rnn") }),
        // ReLU has kinks that central differences straddle: it is checked against Keras instead.
        ("simple rnn sigmoid sequences", { SimpleRNN(units: 4, activation: .sigmoid, returnSequences: true) }),
        ("simple rnn backwards no bias", { SimpleRNN(units: 3, useBias: false, goBackwards: true) }),
        ("lstm sequences backwards", { LSTM(units: 4, returnSequences: true, goBackwards: true) }),
        ("lstm backwards", { LSTM(units: 4, recurrentActivation: .hardSigmoid, goBackwards: true) }),
    ]

    @Test(arguments: gradientCases.indices)
    func backwardPassesGradientCheck(index: Int) throws {
        let (name, make) = Self.gradientCases[index]
        let report = try GradientCheck.run(make(), inputShape: [3, 5, 2], seed: 4, epsilon: 5e-3)
        #expect(report.passed, "\(name): \(report)")
    }

    static let kitCases: [(String, @Sendable () -> any Layer, [Int], [Int], Int)] = [
        // Keras: 3·(features·units + units² + 2·units) with reset_after, 3·(… + units) without.
        ("gru", { GRU(units: 3) }, [4, 2], [3], 63),
        ("gru sequences backwards", { GRU(units: 3, returnSequences: true, goBackwards: true) }, [4, 2], [4, 3], 63),
        ("gru reset before", { GRU(units: 3, resetAfter: false) }, [4, 2], [3], 54),
        ("simple rnn", { SimpleRNN(units: 3) }, [4, 2], [3], 18),
        (
            "simple rnn sequences backwards", { SimpleRNN(units: 3, returnSequences: true, goBackwards: true) },
            [4, 2],
            [4, 3], 18
        ),
        ("lstm backwards", { LSTM(units: 3, goBackwards: true) }, [4, 2], [3], 72),
    ]

    @Test(arguments: kitCases.indices)
    func layersPassTheLayerTestKit(index: Int) {
        let (name, make, inputShape, outputShape, count) = Self.kitCases[index]
        let report = LayerTest.run(
            make(), inputShape: inputShape, expectedOutputShape: outputShape, expectedParameterCount: count, seed: 3)
        #expect(report.passed, "\(name):\n\(report)")
    }

    /// Keras 3 `count_params()` (checked with keras 3.15): GRU(64) on [8, 59] has 3·(59·64 + 64·64 + 2·64).
    @Test func parameterCountsMatchKeras() throws {
        let single = try Sequential(inputShape: [8, 59]) { GRU(units: 64) }
        #expect(single.parameterCount == 24_000)
        let original = try Sequential(inputShape: [8, 59]) { GRU(units: 64, resetAfter: false) }
        #expect(original.parameterCount == 23_808)
        let rnn = try Sequential(inputShape: [8, 59]) { SimpleRNN(units: 64) }
        #expect(rnn.parameterCount == 7_936)
        let autoencoder = try gruAutoencoder()
        #expect(autoencoder.layers.map(\.parameterCount) == [8_928, 2_400, 0, 1_632, 4_800, 1_947])
        #expect(autoencoder.parameterCount == 19_707)
        #expect(autoencoder.outputShape == [8, 59])
        let bias = try #require((autoencoder.layers[0] as? GRU)?.bias)
        #expect(bias.value.shape == [2, 96])
        #expect(autoencoder.layers.map(\.name).prefix(2) == ["gru", "gru_1"])
        let rnnLayer = try Sequential(inputShape: [8, 59]) { SimpleRNN(units: 2) }
        #expect(rnnLayer.layers[0].name == "simple_rnn")
    }

    func gruAutoencoder(seed: UInt64 = 42) throws -> Sequential {
        try Sequential(inputShape: [8, 59], seed: seed) {
            GRU(units: 32, returnSequences: true)
            GRU(units: 16)
            RepeatVector(count: 8)
            GRU(units: 16, returnSequences: true)
            GRU(units: 32, returnSequences: true)
            TimeDistributed(Dense(units: 59))
        }
    }

    /// A small GRU/SimpleRNN autoencoder against Keras: output, MSE gradients and three Adam steps.
    @Test func recurrentAutoencoderMatchesKeras() throws {
        let model = try Sequential(inputShape: [5, 6]) {
            GRU(units: 4, returnSequences: true)
            GRU(units: 3)
            RepeatVector(count: 5)
            GRU(units: 3, returnSequences: true, resetAfter: false)
            SimpleRNN(units: 4, returnSequences: true, goBackwards: true)
            TimeDistributed(Dense(units: 6))
        }
        try expectModelParity(model, fixture: "gru_autoencoder")
    }

    @Test func gruAutoencoderTrainsSavesAndLoads() throws {
        let model = try gruAutoencoder()
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.normal(shape: [16, 8, 59], using: &generator)
        model.compile(optimizer: Adam(learningRate: 1e-3), loss: MeanSquaredError())
        let history = try model.fit(x, x, epochs: 3, batchSize: 8, shuffle: false, verbose: .silent)
        #expect(history.loss.last! < history.loss.first!)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-gru-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        #expect(try loaded.predict(x) == model.predict(x))
        #expect(loaded.layers.map(\.typeName) == model.layers.map(\.typeName))
    }

    /// Saved models from before `goBackwards` existed have no such key: they load as forward LSTMs.
    @Test func lstmConfigurationWithoutGoBackwardsReadsFalse() throws {
        let description = LayerRegistry.describe(LSTM(units: 3, goBackwards: true, name: "lstm"))
        guard case var .object(members) = description.config else { throw LayerError.unknownLayerType("?") }
        #expect(members["goBackwards"] == .bool(true))
        members["goBackwards"] = nil
        let layer = try LayerRegistry.makeLayer(from: LayerDescription(type: "LSTM", config: .object(members)))
        let lstm = try #require(layer as? LSTM)
        #expect(lstm.goBackwards == false && lstm.units == 3 && lstm.name == "lstm")
    }

    /// Going backwards is the forward layer on the reversed sequence (outputs in processing order).
    @Test(arguments: [0, 1, 2])
    func goBackwardsIsTheForwardLayerOnTheReversedInput(which: Int) throws {
        func make(_ backwards: Bool) -> any Layer {
            switch which {
            case 0: GRU(units: 5, returnSequences: true, goBackwards: backwards)
            case 1: SimpleRNN(units: 5, returnSequences: true, goBackwards: backwards)
            default: LSTM(units: 5, returnSequences: true, goBackwards: backwards)
            }
        }
        let (forward, backward) = (make(false), make(true))
        var generator = SeededGenerator(seed: 8)
        try forward.build(inputShape: [6, 3], using: &generator)
        try backward.build(inputShape: [6, 3], using: &generator)
        for (a, b) in zip(forward.parameters, backward.parameters) { try b.assign(a.value) }
        let x = Tensor.normal(shape: [2, 6, 3], using: &generator)
        let reversed = reverseSteps(x)
        #expect(try backward.forward(x, training: true) == forward.forward(reversed, training: true))
        let dy = Tensor.normal(shape: [2, 6, 5], using: &generator)
        #expect(try backward.backward(dy) == reverseSteps(try forward.backward(dy)))
        // The weight gradients sum the steps in another order: equal up to rounding.
        for (a, b) in zip(forward.parameters, backward.parameters) {
            expectClose(b.gradient, a.gradient, "∂\(a.name)")
        }
    }

    func reverseSteps(_ x: Tensor) -> Tensor {
        let (batch, steps, features) = (x.shape[0], x.shape[1], x.shape[2])
        var scalars = [Float]()
        for b in 0..<batch {
            for t in (0..<steps).reversed() {
                let start = (b * steps + t) * features
                scalars += x.scalars[start..<start + features]
            }
        }
        return Tensor(shape: x.shape, scalars: scalars)
    }

    /// Bands of rows run on several threads: every row's results are the ones it gives alone, and the
    /// weight gradients are bit-identical for every thread count.
    @Test(arguments: [0, 1, 2])
    func resultsAreIndependentOfBatchAndThreads(which: Int) throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 9)
        let x = Tensor.normal(shape: [150, 4, 7], using: &generator)
        var gradients: [[Tensor]] = []
        for threads in [1, 2, 4] {
            Parallel.threadCount = threads
            let layer: any Layer =
                switch which {
                case 0: GRU(units: 12, returnSequences: true, goBackwards: true)
                case 1: GRU(units: 12, activation: .relu, resetAfter: false)
                default: SimpleRNN(units: 12, returnSequences: true)
                }
            var weights = SeededGenerator(seed: 10)
            try layer.build(inputShape: [4, 7], using: &weights)
            let y = try layer.forward(x, training: true)
            var upstream = SeededGenerator(seed: 11)
            let dy = Tensor.normal(shape: y.shape, using: &upstream)
            let dx = try layer.backward(dy)
            gradients.append(layer.parameters.map(\.gradient) + [y, dx])
            if threads == 4 {
                for row in [0, 63, 64, 149] {
                    #expect(
                        try layer.forward(x.slicingBatch(row..<row + 1), training: true)
                            == y.slicingBatch(row..<row + 1))
                    #expect(try layer.backward(dy.slicingBatch(row..<row + 1)) == dx.slicingBatch(row..<row + 1))
                }
            }
        }
        #expect(gradients[0] == gradients[1] && gradients[1] == gradients[2])
    }

    @Test func invalidHyperparametersAndInputsThrow() throws {
        for layer in [GRU(units: 0) as any Layer, SimpleRNN(units: -1), LSTM(units: 0)] {
            #expect(throws: LayerError.self) { try layer.outputShape(for: [4, 2]) }
        }
        #expect(throws: LayerError.self) { try GRU(units: 2, activation: .softmax).outputShape(for: [4, 2]) }
        #expect(throws: LayerError.self) { try GRU(units: 2, recurrentActivation: .softmax).outputShape(for: [4, 2]) }
        #expect(throws: LayerError.self) { try SimpleRNN(units: 2, activation: .softmax).outputShape(for: [4, 2]) }
        for shape in [[4], [4, 2, 1], [0, 2], [4, 0]] {
            #expect(throws: LayerError.self) { try GRU(units: 2).outputShape(for: shape) }
            #expect(throws: LayerError.self) { try SimpleRNN(units: 2).outputShape(for: shape) }
        }
        #expect(throws: LayerError.self) {
            try Sequential(inputShape: [4, 2]) { GRU(units: Int.max / 2) }
        }
        var generator = SeededGenerator(seed: 1)
        let x = Tensor.normal(shape: [2, 4, 2], using: &generator)
        for layer in [GRU(units: 2) as any Layer, SimpleRNN(units: 2)] {
            #expect(throws: LayerError.notBuilt(layer: layer.name)) { try layer.forward(x, training: false) }
            #expect(throws: LayerError.notBuilt(layer: layer.name)) { try layer.backward(x) }
            try layer.build(inputShape: [4, 2], using: &generator)
            #expect(throws: LayerError.self) { try layer.outputShape(for: [4, 3]) }
            #expect(throws: LayerError.self) {
                try layer.forward(Tensor.normal(shape: [2, 4, 3], using: &generator), training: false)
            }
            #expect(throws: LayerError.self) {
                try layer.forward(Tensor.normal(shape: [2, 4], using: &generator), training: false)
            }
        }
        let bad = LayerDescription(type: "GRU", config: .object(["units": .string("three")]))
        #expect(throws: LayerError.self) { try LayerRegistry.makeLayer(from: bad) }
    }
}
