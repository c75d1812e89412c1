import Foundation
import Layers
import Tensor
import TestSupport
import Testing

/// A Bidirectional case of scripts/make_bidirectional_fixtures.py: weights and their gradients keyed by
/// the path inside the wrapper (`forward_lstm/kernel`).
struct BidirectionalFixture: Decodable {
    var weights: [String: FixtureTensor]
    var input: FixtureTensor
    var output: FixtureTensor
    var upstream: FixtureTensor
    var gradInput: FixtureTensor
    var gradWeights: [String: FixtureTensor]
    var paramCount: Int
}

struct BidirectionalAutoencoderFixture: Decodable {
    var paramCounts: [Int]
    var weightPaths: [String]
    var input: FixtureTensor
    var output: FixtureTensor
}

@Suite struct BidirectionalTests {
    static let parityCases =
        ["relu", "tanh"].flatMap { activation in
            ["seq", "last"].flatMap { sequences in
                Bidirectional.MergeMode.allCases.map { "bidirectional_lstm_\(activation)_\(sequences)_\($0.rawValue)" }
            }
        } + [
            "bidirectional_gru_tanh_seq_concat", "bidirectional_gru_relu_last_sum",
            "bidirectional_simple_rnn_tanh_seq_ave", "bidirectional_simple_rnn_tanh_last_mul",
        ]

    @Test(arguments: parityCases)
    func outputAndGradientsMatchKeras(name: String) throws {
        let f = try fixture(BidirectionalFixture.self, name)
        // bidirectional_<cell>_<activation>_<seq|last>_<merge mode>, the cell's name possibly with "_".
        let parts = name.split(separator: "_").map(String.init)
        let mergeMode = try #require(Bidirectional.MergeMode(rawValue: parts[parts.count - 1]))
        let sequences = parts[parts.count - 2] == "seq"
        let activation: Activation = parts[parts.count - 3] == "relu" ? .relu : .tanh
        let cell: any Layer =
            switch parts[1..<(parts.count - 3)].joined(separator: "_") {
            case "gru": GRU(units: 3, activation: activation, returnSequences: sequences)
            case "simple_rnn": SimpleRNN(units: 3, activation: activation, returnSequences: sequences)
            default: LSTM(units: 3, activation: activation, returnSequences: sequences)
            }
        let layer = Bidirectional(cell, mergeMode: mergeMode, name: "bidirectional")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        #expect(layer.parameterCount == f.paramCount)
        #expect(Set(layer.namedParameters.map(\.path)) == Set(f.weights.keys))
        for (path, parameter) in layer.namedParameters { try parameter.assign(try #require(f.weights[path]).tensor) }

        expectClose(try layer.forward(f.input.tensor, training: true), f.output.tensor, "\(name) output")
        expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, "\(name) ∂input")
        for (path, parameter) in layer.namedParameters {
            expectClose(parameter.gradient, try #require(f.gradWeights[path]).tensor, "\(name) ∂\(path)")
        }
    }

    /// The bidirectional LSTM autoencoder: Keras' parameter counts, weight paths and output.
    @Test func autoencoderMatchesKeras() throws {
        let f = try fixture(BidirectionalAutoencoderFixture.self, "bidirectional_autoencoder")
        let model = try Self.autoencoder()
        #expect(model.layers.map(\.parameterCount) + [model.parameterCount] == f.paramCounts)
        #expect(model.parameterCount == 20_123)
        // Keras' paths without the model, the cell level and TimeDistributed's inner layer name.
        let kerasPaths = f.weightPaths.map { path in
            path.split(separator: "/").dropFirst().filter { !$0.hasSuffix("_cell") && $0 != "dense" }
                .joined(separator: "/")
        }
        #expect(model.namedParameters.map(\.path) == kerasPaths)
        for (index, parameter) in model.parameters.enumerated() {
            parameter.value = Self.patternWeights(shape: parameter.value.shape, index: index)
        }
        expectClose(try model.predict(f.input.tensor), f.output.tensor, tolerance: 1e-4, "autoencoder output")
    }

    /// The layers of the fixture's autoencoder.
    static func autoencoder(seed: UInt64 = 0) throws -> Sequential {
        try Sequential(inputShape: [8, 59], seed: seed) {
            Bidirectional(LSTM(units: 16, returnSequences: true))
            Bidirectional(LSTM(units: 8))
            RepeatVector(count: 8)
            Bidirectional(LSTM(units: 8, returnSequences: true))
            Bidirectional(LSTM(units: 16, returnSequences: true))
            TimeDistributed(Dense(units: 59))
        }
    }

    /// make_bidirectional_fixtures.py's `pattern_weights`: element i of weight number `index` is
    /// ((i·7919 + index·104729) mod 1000) / 1000 · 0.4 − 0.2, in Double, rounded to Float.
    static func patternWeights(shape: [Int], index: Int) -> Tensor {
        let scalars = (0..<shape.reduce(1, *)).map { (i: Int) -> Float in
            let k = Double((i * 7919 + index * 104_729) % 1000)
            return Float(k / 1000 * 0.4 - 0.2)
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    static let kitCases: [(Bool, Bidirectional.MergeMode)] = [true, false].flatMap { sequences in
        Bidirectional.MergeMode.allCases.map { (sequences, $0) }
    }

    /// Shapes, configuration round trip, save and load, finite differences and training, for every
    /// merge mode with and without sequences.
    @Test(arguments: kitCases.indices)
    func passesTheLayerTestKit(index: Int) {
        let (sequences, mergeMode) = Self.kitCases[index]
        let units = mergeMode == .concat ? 6 : 3
        let report = LayerTest.run(
            Bidirectional(LSTM(units: 3, returnSequences: sequences), mergeMode: mergeMode),
            inputShape: [4, 2], expectedOutputShape: sequences ? [4, units] : [units],
            expectedParameterCount: 2 * 72, seed: 5)
        #expect(report.passed, "\(sequences) \(mergeMode):\n\(report)")
    }

    @Test(arguments: Bidirectional.MergeMode.allCases)
    func gradientsAgreeWithFiniteDifferences(mergeMode: Bidirectional.MergeMode) throws {
        // tanh: relu's kinks make central differences of ±ε disagree at a few entries (ever fewer as ε
        // shrinks); relu's gradients are compared with Keras above.
        for sequences in [true, false] {
            let layer = Bidirectional(LSTM(units: 4, returnSequences: sequences), mergeMode: mergeMode, name: "b")
            let report = try GradientCheck.run(layer, inputShape: [3, 5, 2], seed: 4, epsilon: 5e-3)
            #expect(report.passed, "\(mergeMode) \(sequences): \(report)")
        }
    }

    /// With the backward layer's weights equal to the forward layer's, the backward output is the
    /// forward output of the input reversed in time, reversed back.
    @Test func backwardDirectionRunsOnTheReversedSequence() throws {
        let layer = Bidirectional(LSTM(units: 3, returnSequences: true), mergeMode: .concat, name: "b")
        var generator = SeededGenerator(seed: 2)
        try layer.build(inputShape: [5, 2], using: &generator)
        let backward = try #require(layer.backwardLayer)
        for (target, source) in zip(backward.parameters, layer.forwardLayer.parameters) { target.value = source.value }
        let x = Tensor.normal(shape: [2, 5, 2], using: &generator)
        let y = try layer.forward(x, training: false)
        let expected = try layer.forwardLayer.forward(x.reversed(along: 1), training: false).reversed(along: 1)
        #expect(try y.slicing(3..., along: -1) == expected)
        #expect(try y.slicing(..<3, along: -1) == layer.forwardLayer.forward(x, training: false))
    }

    @Test func namesWeightsAndConfigurationAsKeras() throws {
        let lstm = LSTM(units: 4, returnSequences: true)
        let layer = Bidirectional(lstm)
        #expect(lstm.name == "forward_lstm" && layer.forwardLayer === lstm)
        #expect(layer.backwardLayer?.name == "backward_lstm")
        #expect((layer.backwardLayer as? LSTM)?.returnSequences == true)
        #expect(layer.mergeMode == .concat)
        let model = try Sequential(inputShape: [5, 3]) {
            layer
            Bidirectional(LSTM(units: 2, name: "last"), mergeMode: .sum)
        }
        #expect(
            model.namedParameters.map(\.path) == [
                "bidirectional/forward_lstm/kernel", "bidirectional/forward_lstm/recurrent_kernel",
                "bidirectional/forward_lstm/bias", "bidirectional/backward_lstm/kernel",
                "bidirectional/backward_lstm/recurrent_kernel", "bidirectional/backward_lstm/bias",
                "bidirectional_1/forward_last/kernel", "bidirectional_1/forward_last/recurrent_kernel",
                "bidirectional_1/forward_last/bias", "bidirectional_1/backward_last/kernel",
                "bidirectional_1/backward_last/recurrent_kernel", "bidirectional_1/backward_last/bias",
            ])
        // The numbers of Keras' summary of the same model.
        let summary = model.summary()
        #expect(summary.contains("bidirectional (Bidirectional)"), "\(summary)")
        #expect(summary.contains("(None, 5, 8)") && summary.contains("256"), "\(summary)")
        #expect(summary.contains("bidirectional_1 (Bidirectional)") && summary.contains("(None, 2)"), "\(summary)")
        #expect(summary.contains("Total params: 432"), "\(summary)")

        let description = LayerRegistry.describe(layer)
        guard case let .object(members) = description.config, case let .object(inner)? = members["layer"],
            case let .object(innerConfig)? = inner["config"]
        else {
            Issue.record("unexpected description \(description)")
            return
        }
        #expect(members["mergeMode"] == .string("concat"))
        #expect(innerConfig["name"] == .string("forward_lstm"))
        let rebuilt = try #require(try LayerRegistry.makeLayer(from: description) as? Bidirectional)
        #expect(rebuilt.configuration == layer.configuration && rebuilt.forwardLayer.name == "forward_lstm")
    }

    @Test func savesAndLoadsInsideANestedModel() throws {
        let encoder = try Sequential(inputShape: [6, 3], seed: 1, name: "encoder") {
            Bidirectional(LSTM(units: 4, activation: .relu, returnSequences: true), mergeMode: .ave)
            Bidirectional(LSTM(units: 2))
        }
        let model = try Sequential(inputShape: [6, 3], seed: 2) {
            encoder
            RepeatVector(count: 6)
            Bidirectional(LSTM(units: 3, returnSequences: true), mergeMode: .mul)
            TimeDistributed(Dense(units: 3))
        }
        #expect(model.weightsByName["encoder/bidirectional/backward_lstm/recurrent_kernel"]?.shape == [4, 16])
        #expect(model.weightsByName["bidirectional/forward_lstm/kernel"]?.shape == [4, 12])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-bidir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        var generator = SeededGenerator(seed: 3)
        let x = Tensor.normal(shape: [4, 6, 3], using: &generator)
        #expect(try loaded.predict(x) == model.predict(x))
        #expect(loaded.weightsByName == model.weightsByName)
        let reloadedEncoder = try #require(loaded.layers[0] as? Sequential)
        #expect((reloadedEncoder.layers[0] as? Bidirectional)?.mergeMode == .ave)
        #expect(loaded.summary() == model.summary())
    }

    @Test func trainingIsBitIdenticalForEveryThreadCount() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 4)
        let x = Tensor.normal(shape: [40, 8, 59], using: &generator)
        var runs: [[Tensor]] = []
        for threads in [1, 3] {
            Parallel.threadCount = threads
            let model = try Self.autoencoder(seed: 6)
            model.compile(optimizer: Adam(learningRate: 1e-3), loss: MeanSquaredError())
            _ = try model.fit(x, x, epochs: 1, batchSize: 20, shuffle: false, verbose: .silent)
            runs.append(model.parameters.map(\.value))
        }
        #expect(runs[0] == runs[1])
    }

    @Test func refusesNonRecurrentLayersAndBadInputs() throws {
        // Keras: Bidirectional(Dense(3)) fails, Dense takes no go_backwards.
        #expect(throws: LayerError.self) { try Sequential(inputShape: [5, 3]).add(Bidirectional(Dense(units: 3))) }
        #expect(throws: LayerError.self) {
            try Sequential(inputShape: [5, 3]).add(Bidirectional(Bidirectional(LSTM(units: 3))))
        }
        do {
            try Sequential(inputShape: [5, 3]).add(Bidirectional(Dense(units: 3), name: "bad"))
            Issue.record("no error")
        } catch let error as LayerError {
            guard case let .invalidArgument(layer, argument, value, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(layer == "bad" && argument == "layer" && value == "Dense")
        }
        #expect(throws: LayerError.self) { try Sequential(inputShape: [5]).add(Bidirectional(LSTM(units: 3))) }
        #expect(throws: LayerError.self) { try Sequential(inputShape: [5, 3, 2]).add(Bidirectional(LSTM(units: 3))) }

        let layer = Bidirectional(LSTM(units: 3), name: "b")
        #expect(throws: LayerError.notBuilt(layer: "b")) {
            try layer.forward(Tensor(zeros: [1, 5, 3]), training: false)
        }
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: [5, 3], using: &generator)
        #expect(throws: LayerError.notBuilt(layer: "b")) { try layer.backward(Tensor(zeros: [1, 6])) }
        #expect(throws: LayerError.self) { try layer.forward(Tensor(zeros: [1, 5]), training: false) }
        #expect(throws: LayerError.self) { try layer.forward(Tensor(zeros: [1, 5, 4]), training: false) }
        _ = try layer.forward(Tensor(zeros: [2, 5, 3]), training: true)
        #expect(throws: LayerError.self) { try layer.backward(Tensor(zeros: [2, 3])) }
        #expect(throws: LayerError.self) { try layer.backward(Tensor(zeros: [1, 6])) }
    }

    @Test func refusesBadSavedConfigurations() throws {
        let good = LayerRegistry.describe(Bidirectional(LSTM(units: 3), mergeMode: .sum, name: "b"))
        guard case let .object(members) = good.config else {
            Issue.record("\(good)")
            return
        }
        var badMode = members
        badMode["mergeMode"] = .string("max")  // Keras: "Invalid merge mode"
        var noMode = members
        noMode["mergeMode"] = nil
        var dense = members
        dense["layer"] = .object(["type": .string("Dense"), "config": LayerRegistry.describe(Dense(units: 3)).config])
        var unknown = members
        unknown["layer"] = .object(["type": .string("NoSuchLayer"), "config": .object([:])])
        for config in [badMode, noMode, dense, unknown, ["name": .string("b")]] {
            #expect(throws: LayerError.self) {
                try LayerRegistry.makeLayer(from: LayerDescription(type: "Bidirectional", config: .object(config)))
            }
        }
        #expect(LayerRegistry.isRegistered("Bidirectional"))
    }
}
