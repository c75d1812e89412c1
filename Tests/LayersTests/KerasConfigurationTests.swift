import Foundation
import Layers
import Tensor
import TestSupport
import Testing

// Keras model configurations ↔ Sequential. The fixtures come from scripts/make_keras_config_fixtures.py
// (Keras 3.15.1 and tf.keras 2.21): each model's configuration in four forms, its weights per layer in
// Keras' order, inputs and Keras' predictions.

struct KerasConfigFixture: Decodable {
    var keras3: JSONValue?
    var legacyH5: JSONValue?
    var keras2: JSONValue
    var keras2Old: JSONValue
    var weights: [[FixtureTensor]]
    var input: FixtureTensor
    var output: FixtureTensor
    var paramCount: Int
    var layerClasses: [String]
    /// The datasets of Keras 3's `.weights.h5` file: shape and first value by path.
    var weightsH5: [String: StoredWeight]?

    struct StoredWeight: Decodable {
        var shape: [Int]
        var first: Float
    }

    static func load(_ name: String) throws -> KerasConfigFixture {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            Issue.record("fixture Fixtures/\(name).json missing; run scripts/make_keras_config_fixtures.py")
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(KerasConfigFixture.self, from: Data(contentsOf: url))
    }

    var kerasWeights: [[Tensor]] { weights.map { $0.map(\.tensor) } }
}

/// The Keras layer class of a library layer (the type name, `Sequential` for nested models).
private func kerasClass(_ layer: any Layer) -> String { layer.typeName }

private let python = Python.interpreter(importing: ["keras", "numpy"])

@Suite struct KerasConfigurationTests {
    static let models = [
        "sheet_break_dense", "seed_lstm", "gru_autoencoder", "conv1d_autoencoder", "bidirectional", "normalization",
        "ecg", "denoiser", "misc", "nested", "dilated_conv2d",
    ]

    static let forms = ["keras3", "legacyH5", "keras2", "keras2Old"]

    static func configuration(_ fixture: KerasConfigFixture, _ form: String) -> JSONValue? {
        switch form {
        case "keras3": fixture.keras3
        case "legacyH5": fixture.legacyH5
        case "keras2": fixture.keras2
        default: fixture.keras2Old
        }
    }

    @Test(arguments: models, forms)
    func everyFormReproducesKerasPredictions(model name: String, form: String) throws {
        let fixture = try KerasConfigFixture.load("keras_config_" + name)
        let json = try #require(Self.configuration(fixture, form))
        let model = try Sequential(kerasConfiguration: json)
        #expect(model.inputShape == Array(fixture.input.shape.dropFirst()))
        #expect(model.parameterCount == fixture.paramCount, "\(name) \(form) parameter count")
        #expect(model.layers.map(kerasClass) == fixture.layerClasses)
        try model.setKerasWeights(fixture.kerasWeights)
        expectClose(try model.predict(fixture.input.tensor), fixture.output.tensor, "\(name) \(form) predictions")
    }

    @Test(arguments: ["keras2", "keras2Old"])
    func keras2HardSigmoidLSTMReproducesTfKeras(form: String) throws {
        let fixture = try KerasConfigFixture.load("keras_config_seed_lstm_hard_sigmoid")
        let model = try Sequential(kerasConfiguration: try #require(Self.configuration(fixture, form)))
        let lstm = try #require(model.layers.first as? LSTM)
        #expect(lstm.recurrentActivation == .hardSigmoid)
        try model.setKerasWeights(fixture.kerasWeights)
        expectClose(try model.predict(fixture.input.tensor), fixture.output.tensor, "hard_sigmoid \(form)")
        // Keras 3 cannot express Keras 2's hard_sigmoid: writing refuses instead of changing the model.
        #expect(
            throws: KerasError.notExpressible(
                layer: lstm.name, option: "recurrent_activation",
                reason:
                    "Keras 2's hard_sigmoid clip(0.2·x + 0.5, 0, 1); Keras 3's hard_sigmoid is clip(x/6 + 0.5, 0, 1)")
        ) { try model.kerasConfiguration() }
    }

    @Test(arguments: models)
    func roundTripThroughKerasConfiguration(model name: String) throws {
        let fixture = try KerasConfigFixture.load("keras_config_" + name)
        let model = try Sequential(kerasConfiguration: try #require(fixture.keras3))
        try model.setKerasWeights(fixture.kerasWeights)
        let written = try model.kerasConfiguration()
        let again = try Sequential(kerasConfiguration: written)
        #expect(again.configuration == model.configuration)
        try again.setKerasWeights(model.kerasWeights())
        #expect(try again.predict(fixture.input.tensor) == model.predict(fixture.input.tensor))
        // The written form reads back into the same configuration as a second pass.
        #expect(try again.kerasConfiguration() == written)
    }

    @Test(arguments: models)
    func weightPathsAreThoseOfKerasWeightsFiles(model name: String) throws {
        let fixture = try KerasConfigFixture.load("keras_config_" + name)
        let stored = try #require(fixture.weightsH5)
        let model = try Sequential(kerasConfiguration: try #require(fixture.keras3))
        try model.setKerasWeights(fixture.kerasWeights)
        let paths = model.kerasWeightPaths()
        #expect(paths.map(\.count) == fixture.weights.map(\.count))
        #expect(Set(paths.flatMap { $0 }) == Set(stored.keys), "\(name) dataset paths")
        for (path, tensor) in zip(paths.flatMap { $0 }, model.kerasWeights().flatMap { $0 }) {
            let entry = try #require(stored[path], "\(name): \(path)")
            #expect(entry.shape == tensor.shape && entry.first == tensor.scalars[0], "\(name): \(path)")
        }
    }

    @Test func weightsPerLayerOrFlat() throws {
        let fixture = try KerasConfigFixture.load("keras_config_normalization")
        let model = try Sequential(kerasConfiguration: try #require(fixture.keras3))
        // Only the layers with weights: what a weights file that skips the others gives.
        try model.setKerasWeights(fixture.kerasWeights.filter { !$0.isEmpty })
        expectClose(try model.predict(fixture.input.tensor), fixture.output.tensor, "weighted layers only")
        #expect(model.kerasWeights().map(\.count) == fixture.weights.map(\.count))
        // Keras' flat model.get_weights() is the concatenation.
        let other = try Sequential(kerasConfiguration: try #require(fixture.keras3))
        try other.setWeights(fixture.kerasWeights.flatMap { $0 })
        #expect(try other.predict(fixture.input.tensor) == model.predict(fixture.input.tensor))
    }

    @Test func weightErrorsNameLayerAndWeight() throws {
        let fixture = try KerasConfigFixture.load("keras_config_bidirectional")
        let model = try Sequential(kerasConfiguration: try #require(fixture.keras3))
        let before = model.weights()
        var weights = fixture.kerasWeights
        weights[0][4] = Tensor(zeros: [2, 2])
        #expect(
            throws: KerasError.weightShapeMismatch(
                layer: "bidirectional", weight: "backward_lstm_4/recurrent_kernel", expected: [3, 12], found: [2, 2])
        ) { try model.setKerasWeights(weights) }
        weights = fixture.kerasWeights
        weights[1].removeLast()
        #expect(throws: KerasError.weightCountMismatch(layer: "bidirectional_1", expected: 6, found: 5)) {
            try model.setKerasWeights(weights)
        }
        #expect(throws: KerasError.layerCountMismatch(expected: 6, found: 2)) {
            try model.setKerasWeights(Array(fixture.kerasWeights.prefix(2)))
        }
        #expect(model.weights() == before)
    }

    // MARK: Unsupported content

    /// A fixture's Keras 3 configuration (the seed LSTM's by default) with `change` applied to layer
    /// `index`'s config.
    static func changed(
        _ index: Int, in fixtureName: String = "keras_config_seed_lstm", _ change: (inout [String: JSONValue]) -> Void
    ) throws -> JSONValue {
        let fixture = try KerasConfigFixture.load(fixtureName)
        guard case var .object(top) = fixture.keras3, case var .object(config)? = top["config"],
            case var .array(layers)? = config["layers"], case var .object(layer) = layers[index],
            case var .object(options)? = layer["config"]
        else { throw CocoaError(.coderReadCorrupt) }
        change(&options)
        layer["config"] = .object(options)
        layers[index] = .object(layer)
        config["layers"] = .array(layers)
        top["config"] = .object(config)
        return .object(top)
    }

    @Test func unsupportedOptionsAreTypedErrors() throws {
        #expect(
            throws: KerasError.unsupportedOption(layer: "lstm", option: "unroll", value: "true", supported: "false")
        ) { try Sequential(kerasConfiguration: try Self.changed(1) { $0["unroll"] = .bool(true) }) }
        #expect(
            throws: KerasError.unsupportedOption(layer: "lstm_1", option: "stateful", value: "true", supported: "false")
        ) { try Sequential(kerasConfiguration: try Self.changed(2) { $0["stateful"] = .bool(true) }) }
        #expect(
            throws: KerasError.unsupportedOption(
                layer: "lstm", option: "kernel_regularizer", value: "L2",
                supported: "null (the library has no kernel regularizer)")
        ) {
            try Sequential(
                kerasConfiguration: try Self.changed(1) {
                    $0["kernel_regularizer"] = .object([
                        "class_name": .string("L2"), "config": .object(["l2": .number(0.01)]),
                    ])
                })
        }
        #expect(throws: KerasError.self) {
            try Sequential(
                kerasConfiguration: try Self.changed(1) { $0["recurrent_activation"] = .string("hard_sigmoid") })
        }
        #expect(throws: KerasError.self) {
            try Sequential(kerasConfiguration: try Self.changed(1) { $0["activation"] = .string("gelu") })
        }
        #expect(
            throws: KerasError.unsupportedOption(
                layer: "lstm", option: "dtype", value: "\"float64\"", supported: "float32")
        ) { try Sequential(kerasConfiguration: try Self.changed(1) { $0["dtype"] = .string("float64") }) }
        #expect(
            throws: KerasError.unsupportedOption(
                layer: "lstm", option: "frobnicate", value: "1",
                supported: "no such option in the translation (Keras 3.15 / tf.keras 2.21)")
        ) { try Sequential(kerasConfiguration: try Self.changed(1) { $0["frobnicate"] = .number(1) }) }
        #expect(
            throws: KerasError.unsupportedOption(
                layer: "input_layer_1", option: "batch_shape", value: "[null, null, 59]",
                supported: "a size for every axis but the batch (or pass inputShape:)")
        ) {
            try Sequential(
                kerasConfiguration: try Self.changed(0) { $0["batch_shape"] = .array([.null, .null, .number(59)]) })
        }
        // Open timesteps are fine with an explicit input shape.
        let open = try Sequential(
            kerasConfiguration: try Self.changed(0) { $0["batch_shape"] = .array([.null, .null, .number(59)]) },
            inputShape: [5, 59])
        #expect(open.inputShape == [5, 59])
    }

    @Test func channelsFirstAndMergeModeNoneAreRefused() throws {
        let channelsFirst = try Self.changed(1, in: "keras_config_denoiser") {
            $0["data_format"] = .string("channels_first")
        }
        #expect(
            throws: KerasError.unsupportedOption(
                layer: "conv2d", option: "data_format", value: "\"channels_first\"", supported: "\"channels_last\"")
        ) { try Sequential(kerasConfiguration: channelsFirst) }

        let mergeModeNone = try Self.changed(1, in: "keras_config_bidirectional") { $0["merge_mode"] = .null }
        #expect(
            throws: KerasError.unsupportedOption(
                layer: "bidirectional", option: "merge_mode", value: "null",
                supported: "\"concat\", \"sum\", \"mul\", \"ave\"")
        ) { try Sequential(kerasConfiguration: mergeModeNone) }
    }

    @Test func unknownClassesAreTypedErrors() throws {
        #expect(throws: KerasError.unsupportedModel(className: "Functional")) {
            try Sequential(kerasConfiguration: .object(["class_name": .string("Functional"), "config": .object([:])]))
        }
        let attention = try Self.changed(1) { _ in }
        guard case var .object(top) = attention, case var .object(config)? = top["config"],
            case var .array(layers)? = config["layers"]
        else { throw CocoaError(.coderReadCorrupt) }
        layers.insert(
            .object([
                "class_name": .string("MultiHeadAttention"), "config": .object(["name": .string("attention")]),
            ]), at: 1)
        config["layers"] = .array(layers)
        top["config"] = .object(config)
        #expect(throws: KerasError.unsupportedLayer(layer: "attention", className: "MultiHeadAttention")) {
            try Sequential(kerasConfiguration: .object(top))
        }
        #expect(throws: KerasError.self) { try Sequential(kerasConfiguration: .string("Sequential")) }
    }

    @Test func frozenLayersStayFrozenBothWays() throws {
        let json = try Self.changed(2) { $0["trainable"] = .bool(false) }
        let model = try Sequential(kerasConfiguration: json)
        #expect(model.layers[1].parameters.allSatisfy { !$0.isTrainable })
        #expect(model.layers[0].parameters.allSatisfy { $0.isTrainable })
        guard case let .object(top) = try model.kerasConfiguration(), case let .object(config)? = top["config"],
            case let .array(layers)? = config["layers"], case let .object(layer) = layers[2],
            case let .object(options)? = layer["config"]
        else { throw CocoaError(.coderReadCorrupt) }
        #expect(options["trainable"] == .bool(false))
    }

    @Test func theDialectDecidesWhatHardSigmoidMeans() throws {
        let fixture = try KerasConfigFixture.load("keras_config_seed_lstm_hard_sigmoid")
        // tf.keras' JSON names its version; the older form is recognized by batch_input_shape.
        #expect(try Sequential(kerasConfiguration: fixture.keras2Old).layers.first is LSTM)
        #expect(throws: KerasError.self) { try Sequential(kerasConfiguration: fixture.keras2, dialect: .keras3) }
    }

    @Test func deepNestingIsATypedError() throws {
        var layer: JSONValue = .object([
            "class_name": .string("Dense"), "config": .object(["name": .string("dense"), "units": .number(1)]),
        ])
        for level in 0..<40 {
            layer = .object([
                "class_name": .string("Sequential"),
                "config": .object(["name": .string("m\(level)"), "layers": .array([layer])]),
            ])
        }
        guard case var .object(top) = layer, case var .object(config)? = top["config"] else { return }
        config["build_input_shape"] = .array([.null, .number(2)])
        top["config"] = .object(config)
        #expect(throws: KerasError.self) { try Sequential(kerasConfiguration: .object(top)) }
    }

    /// `json` with one value changed: the `target`-th leaf or object member (in a fixed walk) replaced
    /// by `replacement`, or removed when `replacement` is nil.
    static func mutate(_ json: JSONValue, target: Int, replacement: JSONValue?) -> JSONValue {
        var counter = 0
        func walk(_ value: JSONValue) -> JSONValue? {
            defer { counter += 1 }
            if counter == target { return replacement }
            switch value {
            case let .object(members):
                var result: [String: JSONValue] = [:]
                for key in members.keys.sorted() { if let changed = walk(members[key]!) { result[key] = changed } }
                return .object(result)
            case let .array(elements): return .array(elements.compactMap(walk))
            default: return value
            }
        }
        return walk(json) ?? .null
    }

    @Test func mutatedConfigurationsBuildOrThrowTypedErrors() throws {
        var generator = SeededGenerator(seed: 15)
        let replacements: [JSONValue?] = [
            nil, .null, .bool(true), .bool(false), .number(-1), .number(0), .number(1), .number(2), .number(3),
            .number(2.5), .number(1e300), .string("channels_first"), .string("same"), .string("relu"), .array([]),
            .array([.number(2)]), .object([:]),
        ]
        var (built, refused) = (0, 0)
        for name in Self.models {
            let fixture = try KerasConfigFixture.load("keras_config_" + name)
            for json in [fixture.keras3!, fixture.keras2Old] {
                for _ in 0..<25 {
                    let target = Int.random(in: 0..<400, using: &generator)
                    let replacement = replacements.randomElement(using: &generator)!
                    do {
                        let model = try Sequential(
                            kerasConfiguration: Self.mutate(json, target: target, replacement: replacement))
                        _ = try model.kerasConfiguration()
                        built += 1
                    } catch is KerasError {
                        refused += 1
                    } catch is LayerError {
                        refused += 1
                    }
                }
            }
        }
        #expect(built > 0 && refused > 0, "built \(built), refused \(refused)")
    }

    @Test func aCustomLayerCannotBeWritten() throws {
        final class Custom: Layer {
            struct Configuration: LayerConfiguration { var name: String }
            static let typeName = "Custom"
            var configuration: Configuration
            init(configuration: Configuration) { self.configuration = configuration }
            func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
            func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }
            func backward(_ outputGradient: Tensor) throws -> Tensor { outputGradient }
        }
        let model = try Sequential(inputShape: [3]) { Custom(configuration: .init(name: "")) }
        #expect(
            throws: KerasError.notExpressible(
                layer: "custom", option: "class", reason: "'Custom' is not a Keras layer the library knows")
        ) { try model.kerasConfiguration() }
    }

    // MARK: Python Keras reads what is written

    @Test(.enabled(if: python != nil, "python3 with keras not installed (pip install -r scripts/requirements.txt)"))
    func kerasLoadsTheWrittenConfigurations() throws {
        struct Plain: Encodable {
            var shape: [Int]
            var data: [Float]
        }
        struct Extra: Encodable {
            var weights: [[Plain]]
            var input: Plain
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-keras-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var arguments: [String] = []
        var cases: [(name: String, model: Sequential, input: Tensor)] = []
        for name in Self.models {
            let fixture = try KerasConfigFixture.load("keras_config_" + name)
            let model = try Sequential(kerasConfiguration: fixture.keras2)
            try model.setKerasWeights(fixture.kerasWeights)
            let configURL = folder.appendingPathComponent("\(name).config.json")
            try JSONEncoder().encode(try model.kerasConfiguration()).write(to: configURL)
            let extraURL = folder.appendingPathComponent("\(name).extra.json")
            try JSONEncoder().encode(
                Extra(
                    weights: model.kerasWeights().map { $0.map { Plain(shape: $0.shape, data: $0.scalars) } },
                    input: Plain(shape: fixture.input.shape, data: fixture.input.data))
            ).write(to: extraURL)
            arguments += [configURL.path, extraURL.path]
            cases.append((name, model, fixture.input.tensor))
        }
        // One Python process for all models (starting Keras takes seconds).
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: python!)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../scripts/check_keras_config.py")
        process.arguments = [script.path] + arguments
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "scripts/check_keras_config.py failed")
        struct Summary: Decodable {
            var paramCount: Int
            var layerClasses: [String]
            var layerNames: [String]
            var output: FixtureTensor
        }
        let summaries = try JSONDecoder().decode([Summary].self, from: data)
        try #require(summaries.count == cases.count)
        for (summary, (name, model, input)) in zip(summaries, cases) {
            #expect(summary.paramCount == model.parameterCount, "\(name) parameter count")
            #expect(summary.layerClasses == model.layers.map(kerasClass), "\(name) layer classes")
            #expect(summary.layerNames == model.layers.map(\.name), "\(name) layer names")
            expectClose(try model.predict(input), summary.output.tensor, "\(name): Keras on the written configuration")
        }
    }
}
