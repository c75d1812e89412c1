import Foundation
import Layers
import Tensor
import Testing

// The layer test kit on every built-in layer, and proof that it can fail.
@Suite struct LayerTestKitTests {
    static let cases: [(String, @Sendable () -> any Layer, [Int], [Int], Int)] = [
        ("dense", { Dense(units: 4, activation: .tanh) }, [3], [4], 16),
        ("dense on a sequence", { Dense(units: 2, activation: .sigmoid) }, [3, 5], [3, 2], 12),
        ("lstm sequences", { LSTM(units: 3, returnSequences: true) }, [4, 2], [4, 3], 72),
        ("lstm last", { LSTM(units: 3) }, [4, 2], [3], 72),
        ("repeat vector", { RepeatVector(count: 3) }, [4], [3, 4], 0),
        ("time distributed", { TimeDistributed(Dense(units: 2)) }, [3, 4], [3, 2], 10),
    ]

    @Test(arguments: cases.indices)
    func builtInLayerPassesTheKit(index: Int) {
        let (name, make, inputShape, outputShape, count) = Self.cases[index]
        let report = LayerTest.run(
            make(), inputShape: inputShape, expectedOutputShape: outputShape,
            expectedParameterCount: count, seed: 3)
        #expect(report.passed, "\(name):\n\(report)")
        #expect(
            report.checks.map(\.name).prefix(5) == [
                "build", "output shape", "configuration", "save and load", "gradients",
            ])
    }

    @Test func nestedModelPassesTheKit() throws {
        let inner = try Sequential(inputShape: [3], seed: 4, name: "inner") {
            Dense(units: 5, activation: .relu)
            Dense(units: 2)
        }
        let report = LayerTest.run(inner, inputShape: [3], expectedOutputShape: [2], expectedParameterCount: 32)
        #expect(report.passed, "\(report)")
    }

    @Test func kitReportsAWrongBackwardAndAnUnregisteredType() {
        final class Square: Layer {
            struct Configuration: LayerConfiguration { var name = "" }
            static let typeName = "SquareNotRegistered"
            var configuration = Configuration()
            init() {}
            init(configuration: Configuration) { self.configuration = configuration }
            func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
            func forward(_ input: Tensor, training: Bool) throws -> Tensor { input * input }
            func backward(_ outputGradient: Tensor) throws -> Tensor { outputGradient }
        }
        let report = LayerTest.run(Square(), inputShape: [3])
        #expect(!report.passed)
        #expect(Set(report.failures.map(\.name)) == ["configuration", "save and load", "gradients"], "\(report)")
    }

    @Test func kitReportsAWrongOutputShapeAndParameterCount() {
        let report = LayerTest.run(
            Dense(units: 4), inputShape: [3], expectedOutputShape: [5], expectedParameterCount: 12)
        #expect(report.failures.map(\.name) == ["output shape"], "\(report)")
    }
}

@Suite struct NestedModelTests {
    func encoderDecoder() throws -> (Sequential, Sequential, Sequential) {
        let encoder = try Sequential(inputShape: [6], seed: 1, name: "encoder") {
            Dense(units: 4, activation: .relu)
            Dense(units: 2, activation: .relu)
        }
        let decoder = try Sequential(inputShape: [2], seed: 2, name: "decoder") {
            Dense(units: 4, activation: .relu)
            Dense(units: 6, activation: .sigmoid)
        }
        let model = try Sequential(inputShape: [6], seed: 3) {
            encoder
            decoder
        }
        return (encoder, decoder, model)
    }

    @Test func subModelsComposeAndRunAlone() throws {
        let (encoder, decoder, model) = try encoderDecoder()
        #expect(model.parameterCount == encoder.parameterCount + decoder.parameterCount)
        #expect(model.parameterCount == (28 + 10) + (12 + 30))
        #expect(model.layers.map(\.name) == ["encoder", "decoder"])
        var generator = SeededGenerator(seed: 5)
        let x = Tensor.uniform(shape: [4, 6], limit: 1, using: &generator).map { abs($0) }
        let codes = try encoder(x)
        #expect(codes.shape == [4, 2])
        #expect(try decoder(codes) == model(x))
        #expect(
            model.namedWeights.map(\.name) == [
                "encoder/dense/kernel", "encoder/dense/bias", "encoder/dense_1/kernel",
                "encoder/dense_1/bias", "decoder/dense/kernel", "decoder/dense/bias",
                "decoder/dense_1/kernel", "decoder/dense_1/bias",
            ])
    }

    @Test func summaryShowsNestedModelsAsOneRowEach() throws {
        let (_, _, model) = try encoderDecoder()
        let summary = model.summary()
        #expect(summary.contains("│ encoder (Sequential)"), "\(summary)")
        #expect(summary.contains("(None, 2)"))
        #expect(summary.contains("Total params: 80"))
        #expect(try encoderDecoder().0.summary().hasPrefix("Model: \"encoder\""))
    }

    @Test func nestedModelSavesAndLoads() throws {
        let (_, _, model) = try encoderDecoder()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        let encoder = try #require(loaded.layers.first as? Sequential)
        #expect(encoder.name == "encoder")
        #expect(encoder.layers.map(\.name) == ["dense", "dense_1"])
        var generator = SeededGenerator(seed: 8)
        let x = Tensor.uniform(shape: [3, 6], limit: 1, using: &generator).map { abs($0) }
        #expect(try loaded.predict(x) == model.predict(x))
    }

    @Test func nestedModelTrainsAndSharesWeightsWithItsParent() throws {
        let (encoder, _, model) = try encoderDecoder()
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.uniform(shape: [64, 6], limit: 1, using: &generator).map { abs($0) }
        model.compile(optimizer: Adam(learningRate: 1e-2), loss: .meanSquaredError)
        let before = encoder.weights()
        let history = try model.fit(x, x, epochs: 5, batchSize: 16, verbose: .silent)
        #expect(history.loss.last! < history.loss.first!)
        #expect(encoder.weights() != before, "training the parent trains the sub-model")
    }

    @Test func nestedModelRejectsAnotherInputShape() throws {
        let (encoder, _, _) = try encoderDecoder()
        let outer = Sequential(inputShape: [5])
        #expect(throws: LayerError.incompatibleInput(layer: "encoder", expected: "[6]", received: [5])) {
            try outer.add(encoder)
        }
    }
}
