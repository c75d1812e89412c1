import Foundation
import Layers
import Tensor
import TestSupport
import Testing

/// Conv2D written out plainly, in Double: every output, tap and channel, with the dilated window and
/// TensorFlow's padding rules spelled out again. Returns the output and, for an upstream gradient `dy`,
/// the gradients of `Σ output ⊙ dy` with respect to the input and the kernel.
func referenceConv2D(
    _ x: Tensor, kernel w: Tensor, bias: Tensor?, strides s: [Int], padding: Padding, dilation d: [Int], dy: Tensor
) -> (output: Tensor, inputGradient: Tensor, kernelGradient: Tensor) {
    let (batch, c) = (x.shape[0], x.shape[3])
    let n = [x.shape[1], x.shape[2]]
    let (k, f) = ([w.shape[0], w.shape[1]], w.shape[3])
    var out = [0, 0]
    var before = [0, 0]
    for axis in 0..<2 {
        let span = (k[axis] - 1) * d[axis] + 1
        if padding == .valid {
            out[axis] = (n[axis] - span) / s[axis] + 1
        } else {
            out[axis] = (n[axis] + s[axis] - 1) / s[axis]
            before[axis] = Swift.max((out[axis] - 1) * s[axis] + span - n[axis], 0) / 2
        }
    }
    let (xs, ws, dys) = (x.scalars.map(Double.init), w.scalars.map(Double.init), dy.scalars.map(Double.init))
    var y = [Double](repeating: 0, count: batch * out[0] * out[1] * f)
    var dx = [Double](repeating: 0, count: xs.count)
    var dw = [Double](repeating: 0, count: ws.count)
    for b in 0..<batch {
        for oy in 0..<out[0] {
            for ox in 0..<out[1] {
                for o in 0..<f {
                    let yIndex = ((b * out[0] + oy) * out[1] + ox) * f + o
                    var sum = bias.map { Double($0.scalars[o]) } ?? 0
                    for ky in 0..<k[0] {
                        let row = oy * s[0] - before[0] + ky * d[0]
                        guard row >= 0, row < n[0] else { continue }
                        for kx in 0..<k[1] {
                            let column = ox * s[1] - before[1] + kx * d[1]
                            guard column >= 0, column < n[1] else { continue }
                            for ch in 0..<c {
                                let xIndex = ((b * n[0] + row) * n[1] + column) * c + ch
                                let wIndex = ((ky * k[1] + kx) * c + ch) * f + o
                                sum += xs[xIndex] * ws[wIndex]
                                dx[xIndex] += dys[yIndex] * ws[wIndex]
                                dw[wIndex] += dys[yIndex] * xs[xIndex]
                            }
                        }
                    }
                    y[yIndex] = sum
                }
            }
        }
    }
    return (
        Tensor(shape: [batch, out[0], out[1], f], scalars: y.map(Float.init)),
        Tensor(shape: x.shape, scalars: dx.map(Float.init)), Tensor(shape: w.shape, scalars: dw.map(Float.init))
    )
}

/// The Keras `get_config` subset of scripts/make_dilation_fixtures.py's cases.
private struct DilatedFixtureConfig: Decodable {
    struct Wrapper: Decodable { var config: DilatedFixtureConfig }
    var className: String
    var filters: Int
    var kernelSize: [Int]
    var strides: [Int]
    var padding: Padding
    var dilationRate: [Int]
    var useBias: Bool
    var activation: Activation
    var dataFormat: String
}

/// Keras' predictions of keras_files/dilated_conv2d.keras (scripts/make_dilation_fixtures.py).
private struct DilatedFilePrediction: Decodable {
    var input: FixtureTensor
    var output: FixtureTensor
    var paramCount: Int
}

private let kerasPython = Python.interpreter(importing: ["keras", "numpy"])

// Conv2D's `dilationRate` (Keras `dilation_rate`) against Keras 3, a plain reference, finite differences,
// the layer test kit, saving, Keras configurations and files, and its typed errors.
@Suite struct DilatedConvolutionTests {
    static let kerasCases = [
        "conv2d_d2_same_7x7_c1_f3_k3", "conv2d_d2_valid_8x8_c3_f4_k3_nobias", "conv2d_d2x3_same_8x9_c2_f3_k3_relu",
        "conv2d_d2x3_valid_9x10_c2_f3_k2x3", "conv2d_d3_same_6x7_c2_f2_k2_nobias", "conv2d_d2_same_8x6_c1_f2_k4_tanh",
        "conv2d_d1x2_valid_7x8_c3_f2_k3x2_sigmoid",
    ]

    @Test(arguments: kerasCases)
    func dilatedConv2DMatchesKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let c = try fixture(DilatedFixtureConfig.Wrapper.self, name).config
        #expect(c.className == "Conv2D" && c.dataFormat == "channels_last" && c.strides == [1, 1])
        let layer = Conv2D(
            filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding,
            dilationRate: c.dilationRate, activation: c.activation, useBias: c.useBias, name: "conv2d")
        try ConvolutionTests().expectKerasParity(layer, fixture: f, name)
    }

    /// Every padding, dilation, kernel and size (windows hanging over every border, spans longer than the
    /// image with same padding) against the plain reference: output, ∂input and ∂kernel.
    @Test(arguments: [Padding.valid, .same])
    func dilatedConv2DMatchesAPlainReference(padding: Padding) throws {
        var generator = SeededGenerator(seed: 43)
        for (height, width) in [(1, 1), (2, 5), (5, 4), (7, 8)] {
            for kernel in [[1, 1], [2, 3], [3, 2], [3, 3]] {
                for (strides, dilation) in [
                    ([1, 1], [1, 1]), ([1, 1], [2, 1]), ([1, 1], [1, 3]), ([1, 1], [2, 3]),
                ]
                    + [([2, 1], [1, 1])]
                {
                    let spans = zip(kernel, dilation).map { ($0 - 1) * $1 + 1 }
                    if padding == .valid && (height < spans[0] || width < spans[1]) { continue }
                    let layer = Conv2D(
                        filters: 3, kernelSize: kernel, strides: strides, padding: padding, dilationRate: dilation)
                    try layer.build(inputShape: [height, width, 2], using: &generator)
                    try layer.bias!.assign(Tensor.normal(shape: [3], using: &generator))
                    let x = Tensor.normal(shape: [2, height, width, 2], using: &generator)
                    let y = try layer.forward(x, training: true)
                    let dy = Tensor.normal(shape: y.shape, using: &generator)
                    let expected = referenceConv2D(
                        x, kernel: layer.kernel!.value, bias: layer.bias!.value, strides: strides, padding: padding,
                        dilation: dilation, dy: dy)
                    let label = "\(height)×\(width) k \(kernel) s \(strides) d \(dilation) \(padding)"
                    expectClose(y, expected.output, "\(label): output")
                    layer.kernel!.zeroGradient()
                    expectClose(try layer.backward(dy), expected.inputGradient, "\(label): ∂input")
                    expectClose(layer.kernel!.gradient, expected.kernelGradient, "\(label): ∂kernel")
                }
            }
        }
    }

    /// Output sizes as Keras 3.15.1 computes them (checked with Keras): the span `(k − 1)·d + 1` for valid,
    /// `n` for same.
    @Test func outputShapesAreKeras() throws {
        #expect(try Conv2D(filters: 2, kernelSize: 3, dilationRate: 2).outputShape(for: [9, 8, 1]) == [5, 4, 2])
        #expect(
            try Conv2D(filters: 2, kernelSize: [3, 3], dilationRate: [2, 3]).outputShape(for: [8, 9, 1]) == [4, 3, 2])
        #expect(
            try Conv2D(filters: 2, kernelSize: [3, 3], padding: .same, dilationRate: [2, 3])
                .outputShape(for: [8, 9, 1]) == [8, 9, 2])
        // Same padding with a span longer than the image still gives n outputs.
        #expect(
            try Conv2D(filters: 1, kernelSize: 3, padding: .same, dilationRate: 4).outputShape(for: [3, 2, 1])
                == [3, 2, 1])
        // A dilation of 1 is the plain convolution, bit for bit.
        var generator = SeededGenerator(seed: 2)
        let plain = Conv2D(filters: 3, kernelSize: [2, 3], padding: .same, name: "c")
        let dilated = Conv2D(filters: 3, kernelSize: [2, 3], padding: .same, dilationRate: [1, 1], name: "c")
        try plain.build(inputShape: [5, 6, 2], using: &generator)
        try dilated.build(inputShape: [5, 6, 2], using: &generator)
        try dilated.kernel!.assign(plain.kernel!.value)
        let x = Tensor.normal(shape: [2, 5, 6, 2], using: &generator)
        #expect(try dilated.forward(x, training: false) == plain.forward(x, training: false))
    }

    @Test(arguments: [Padding.valid, .same])
    func dilatedConv2DPassesGradientCheck(padding: Padding) throws {
        let layer = Conv2D(
            filters: 3, kernelSize: [2, 3], padding: padding, dilationRate: [2, 3], activation: .tanh, name: "conv2d")
        let report = try GradientCheck.run(layer, inputShape: [2, 7, 8, 2], seed: 11)
        #expect(report.passed, "\(report)")
    }

    static let kitCases: [(String, @Sendable () -> any Layer, [Int], [Int], Int)] = [
        (
            "dilation 2 same tanh",
            { Conv2D(filters: 3, kernelSize: 3, padding: .same, dilationRate: 2, activation: .tanh) },
            [7, 6, 2], [7, 6, 3], 57
        ),
        (
            "dilation (2, 3) valid no bias",
            { Conv2D(filters: 2, kernelSize: [2, 3], dilationRate: [2, 3], useBias: false) }, [6, 9, 3], [4, 3, 2], 36
        ),
    ]

    @Test(arguments: kitCases.indices)
    func dilatedConv2DPassesTheLayerTestKit(index: Int) {
        let (name, make, inputShape, outputShape, count) = Self.kitCases[index]
        let report = LayerTest.run(
            make(), inputShape: inputShape, expectedOutputShape: outputShape, expectedParameterCount: count, seed: 5)
        #expect(report.passed, "\(name):\n\(report)")
        #expect(
            report.checks.map(\.name) == [
                "build", "output shape", "configuration", "save and load", "gradients", "training",
            ],
            "\(name)")
    }

    @Test func defaultsAreKeras() {
        #expect(Conv2D(filters: 1, kernelSize: 3).dilationRate == [1, 1])
        #expect(Conv2D(filters: 1, kernelSize: [2, 3]).dilationRate == [1, 1])
        #expect(Conv2D(filters: 1, kernelSize: 3, dilationRate: 2).dilationRate == [2, 2])
    }

    @Test func badDilationsThrowTypedErrors() throws {
        func invalid(_ value: String, _ expected: String) -> LayerError {
            .invalidArgument(layer: "c", argument: "dilationRate", value: value, expected: expected)
        }
        let pair = "two positive integers of at most \(SizeLimit.maximumElementCount)"
        for (layer, error) in [
            (Conv2D(filters: 1, kernelSize: 3, dilationRate: 0, name: "c"), invalid("[0, 0]", pair)),
            (Conv2D(filters: 1, kernelSize: 3, dilationRate: -2, name: "c"), invalid("[-2, -2]", pair)),
            (Conv2D(filters: 1, kernelSize: [3, 3], dilationRate: [2, 0], name: "c"), invalid("[2, 0]", pair)),
            (Conv2D(filters: 1, kernelSize: [3, 3], dilationRate: [2], name: "c"), invalid("[2]", pair)),
            (Conv2D(filters: 1, kernelSize: [3, 3], dilationRate: [1, 2, 3], name: "c"), invalid("[1, 2, 3]", pair)),
            // Keras 3: "`strides > 1` not supported in conjunction with `dilation_rate > 1`", whichever axes.
            (
                Conv2D(filters: 1, kernelSize: 3, strides: 2, dilationRate: 2, name: "c"),
                invalid("[2, 2]", "[1, 1] when strides is more than 1 (strides = [2, 2]), as in Keras")
            ),
            (
                Conv2D(filters: 1, kernelSize: [3, 3], strides: [2, 1], dilationRate: [1, 2], name: "c"),
                invalid("[1, 2]", "[1, 1] when strides is more than 1 (strides = [2, 1]), as in Keras")
            ),
            (
                Conv2D(
                    filters: 1, kernelSize: [3, 3], strides: [1, 3], padding: .same, dilationRate: [2, 1], name: "c"),
                invalid("[2, 1]", "[1, 1] when strides is more than 1 (strides = [1, 3]), as in Keras")
            ),
        ] {
            #expect(throws: error) { try layer.outputShape(for: [12, 12, 1]) }
            #expect(throws: error) { try Sequential(inputShape: [12, 12, 1]) { layer } }
        }
        // A valid window whose dilated span is longer than the image (Keras: "Computed output size would
        // be zero or negative").
        #expect(
            throws: LayerError.incompatibleInput(
                layer: "c", expected: "spatial sizes of at least the window 9 with valid padding", received: [8, 9, 1])
        ) { try Conv2D(filters: 1, kernelSize: 3, dilationRate: 4, name: "c").outputShape(for: [8, 9, 1]) }
        #expect(throws: LayerError.self) {
            try Conv2D(filters: 1, kernelSize: 1 << 20, padding: .same, dilationRate: 1 << 20)
                .outputShape(for: [8, 8, 1])
        }
    }

    @Test func modelsSaveAndLoadTheDilation() throws {
        let model = try Sequential(inputShape: [9, 8, 2], seed: 3) {
            Conv2D(filters: 3, kernelSize: 3, padding: .same, dilationRate: 2, activation: .relu)
            Conv2D(filters: 2, kernelSize: [2, 3], dilationRate: [2, 3], useBias: false)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-dilated-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        var generator = SeededGenerator(seed: 4)
        let x = Tensor.normal(shape: [3, 9, 8, 2], using: &generator)
        #expect(try loaded.predict(x) == model.predict(x))
        #expect(loaded.configuration == model.configuration)
        #expect(loaded.layers.compactMap { ($0 as? Conv2D)?.dilationRate } == [[2, 2], [2, 3]])
        #expect(loaded.outputShape == [7, 2, 2])
    }

    /// A model saved before Conv2D had `dilationRate` (no such key in config.json) loads with `[1, 1]`.
    @Test func filesSavedWithoutDilationLoadWithOne() throws {
        let model = try Sequential(inputShape: [6, 6, 1], seed: 5) {
            Conv2D(filters: 2, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 1, kernelSize: 2)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-old-conv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let file = folder.appendingPathComponent(Sequential.configurationFileName)
        var removed = 0
        func withoutDilation(_ value: Any) -> Any {
            if var object = value as? [String: Any] {
                if object.removeValue(forKey: "dilationRate") != nil { removed += 1 }
                return object.mapValues(withoutDilation)
            }
            if let array = value as? [Any] { return array.map(withoutDilation) }
            return value
        }
        let old = withoutDilation(try JSONSerialization.jsonObject(with: Data(contentsOf: file)))
        #expect(removed == 2, "one dilationRate key per Conv2D")
        try JSONSerialization.data(withJSONObject: old).write(to: file)
        let loaded = try Sequential.load(from: folder)
        #expect(loaded.layers.compactMap { ($0 as? Conv2D)?.dilationRate } == [[1, 1], [1, 1]])
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.normal(shape: [2, 6, 6, 1], using: &generator)
        #expect(try loaded.predict(x) == model.predict(x))

        // The same through the registry: a description without the key.
        let description = LayerDescription(
            type: "Conv2D",
            config: .object([
                "filters": .number(2), "kernelSize": .array([.number(3), .number(3)]),
                "strides": .array([.number(1), .number(1)]), "padding": .string("same"),
                "activation": .string("linear"), "useBias": .bool(true), "kernelInitializer": .string("glorot_uniform"),
                "biasInitializer": .string("zeros"), "name": .string("old"),
            ]))
        let layer = try #require(try LayerRegistry.makeLayer(from: description) as? Conv2D)
        #expect(layer.dilationRate == [1, 1] && layer.name == "old")
    }

    // MARK: Keras configurations and files

    /// Keras writes `dilation_rate` as a pair; an integer, or no key, is read as Keras reads it.
    @Test func kerasConfigurationsCarryTheDilation() throws {
        let fixture = try KerasConfigFixture.load("keras_config_dilated_conv2d")
        let model = try Sequential(kerasConfiguration: try #require(fixture.keras3))
        #expect(model.layers.compactMap { ($0 as? Conv2D)?.dilationRate } == [[2, 2], [2, 3], [3, 1]])
        let written = try model.kerasConfiguration()
        func dilations(_ json: JSONValue) -> [JSONValue] {
            guard case let .object(top) = json, case let .object(config)? = top["config"],
                case let .array(layers)? = config["layers"]
            else { return [] }
            return layers.compactMap { layer in
                guard case let .object(entry) = layer, case let .object(options)? = entry["config"] else { return nil }
                return options["dilation_rate"]
            }
        }
        let pairs: [[Int]] = [[2, 2], [2, 3], [3, 1]]
        #expect(dilations(written) == pairs.map { .array($0.map { .number(Double($0)) }) })
        #expect(dilations(written) == dilations(try #require(fixture.keras3)))

        func conv2D(_ dilation: JSONValue?, strides: JSONValue = .number(1)) throws -> Conv2D {
            var options: [String: JSONValue] = [
                "name": .string("c"), "filters": .number(2), "kernel_size": .array([.number(3), .number(3)]),
                "padding": .string("same"), "strides": strides,
            ]
            options["dilation_rate"] = dilation
            let json = JSONValue.object([
                "class_name": .string("Sequential"),
                "config": .object([
                    "name": .string("m"),
                    "layers": .array([
                        .object([
                            "class_name": .string("InputLayer"),
                            "config": .object(["batch_shape": .array([.null, .number(8), .number(8), .number(1)])]),
                        ]),
                        .object(["class_name": .string("Conv2D"), "config": .object(options)]),
                    ]),
                ]),
            ])
            return try #require(try Sequential(kerasConfiguration: json).layers.first as? Conv2D)
        }
        #expect(try conv2D(.number(2)).dilationRate == [2, 2])
        #expect(try conv2D(.array([.number(1), .number(3)])).dilationRate == [1, 3])
        #expect(try conv2D(nil).dilationRate == [1, 1])
        #expect(
            throws: KerasError.invalidConfiguration(layer: "c", key: "dilation_rate", reason: "expected 2 integers")
        ) {
            _ = try conv2D(.array([.number(2)]))
        }
        // Values Keras itself refuses are the layer's typed errors.
        #expect(
            throws: LayerError.invalidArgument(
                layer: "c", argument: "dilationRate", value: "[0, 0]",
                expected: "two positive integers of at most \(SizeLimit.maximumElementCount)")
        ) { _ = try conv2D(.number(0)) }
        #expect(
            throws: LayerError.invalidArgument(
                layer: "c", argument: "dilationRate", value: "[2, 2]",
                expected: "[1, 1] when strides is more than 1 (strides = [2, 2]), as in Keras")
        ) { _ = try conv2D(.number(2), strides: .number(2)) }
    }

    /// Keras 3 dilates a Conv2DTranspose (with strides 1); the library's does not, and says so.
    @Test func conv2DTransposeDilationIsRefusedByName() throws {
        let fixture = try KerasConfigFixture.load("keras_config_denoiser")
        guard case var .object(top) = fixture.keras3, case var .object(config)? = top["config"],
            case var .array(layers)? = config["layers"]
        else { throw CocoaError(.coderReadCorrupt) }
        let index = try #require(
            layers.firstIndex { layer in
                if case let .object(entry) = layer, entry["class_name"] == .string("Conv2DTranspose") {
                    true
                } else {
                    false
                }
            })
        guard case var .object(layer) = layers[index], case var .object(options)? = layer["config"],
            case let .string(name)? = options["name"]
        else { throw CocoaError(.coderReadCorrupt) }
        options["dilation_rate"] = .array([.number(2), .number(2)])
        layer["config"] = .object(options)
        layers[index] = .object(layer)
        config["layers"] = .array(layers)
        top["config"] = .object(config)
        #expect(
            throws: KerasError.unsupportedOption(
                layer: name, option: "dilation_rate", value: "[2, 2]",
                supported: "[1, 1] (the library's Conv2DTranspose has no dilation_rate)")
        ) { try Sequential(kerasConfiguration: .object(top)) }
    }

    static func kerasFile(_ name: String) throws -> URL {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return folder.appendingPathComponent("keras_files/\(name)")
    }

    private static func prediction() throws -> DilatedFilePrediction {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(
            DilatedFilePrediction.self, from: Data(contentsOf: try kerasFile("dilated_conv2d_predictions.json")))
    }

    /// A real `.keras` file with dilated Conv2D layers, written by Keras 3.15.1, predicts what Keras predicts.
    @Test func kerasFileWithDilationPredictsAsKeras() throws {
        let expected = try Self.prediction()
        let model = try Sequential(kerasFile: try Self.kerasFile("dilated_conv2d.keras"))
        #expect(model.parameterCount == expected.paramCount)
        #expect(model.layers.compactMap { ($0 as? Conv2D)?.dilationRate } == [[2, 2], [2, 3], [3, 1]])
        expectClose(try model.predict(expected.input.tensor), expected.output.tensor, tolerance: 1e-5, "prediction")
    }

    /// `saveKeras` → Keras' own `load_model` → `predict` equals the Swift model's predictions.
    @Test(
        .enabled(if: kerasPython != nil, "python3 with keras not installed (pip install -r scripts/requirements.txt)"))
    func kerasLoadsTheDilationSaveKerasWrites() throws {
        let expected = try Self.prediction()
        let model = try Sequential(kerasFile: try Self.kerasFile("dilated_conv2d.keras"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-dilated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = folder.appendingPathComponent("dilated.keras")
        try model.saveKeras(to: saved)
        let input = expected.input.tensor
        let script = """
            import os, json, sys
            os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
            import numpy as np, keras
            model = keras.saving.load_model('\(saved.path)')
            x = np.array(\(input.scalars), dtype=np.float32).reshape(\(input.shape))
            rates = [list(layer.get_config()['dilation_rate']) for layer in model.layers]
            json.dump({'rates': rates, 'output': model.predict(x, verbose=0).reshape(-1).tolist()}, sys.stdout)

            """
        struct Answer: Decodable {
            var rates: [[Int]]
            var output: [Float]
        }
        let data = try #require(
            try Python.run(script, with: kerasPython!), "Keras could not load the file saveKeras wrote")
        let answer = try JSONDecoder().decode(Answer.self, from: data)
        #expect(answer.rates == [[2, 2], [2, 3], [3, 1]])
        let prediction = try model.predict(input)
        expectClose(Tensor(shape: prediction.shape, scalars: answer.output), prediction, tolerance: 1e-5, "in Keras")
        expectClose(prediction, expected.output.tensor, tolerance: 1e-5, "as Keras")
    }

    // MARK: Threads

    /// Dilated images are unfolded in groups of samples on several threads: results must not depend on the
    /// thread count, and every sample's result is what it gives alone.
    @Test func resultsAreIndependentOfThreadsAndBatch() throws {
        var generator = SeededGenerator(seed: 3)
        let layer = Conv2D(filters: 6, kernelSize: [3, 3], padding: .same, dilationRate: [2, 3], activation: .relu)
        try layer.build(inputShape: [12, 11, 3], using: &generator)
        let x = Tensor.normal(shape: [64, 12, 11, 3], using: &generator)
        let dy = Tensor.normal(shape: [64, 12, 11, 6], using: &generator)
        try ConvolutionTests.expectIndependentOfThreadsAndBatch(
            layer, kernel: layer.kernel!, bias: layer.bias!, input: x, outputGradient: dy)
    }

    /// A small dilated model trains to the same bits with 1, 2 or 4 threads.
    @Test func trainingIsBitIdenticalForEveryThreadCount() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 8)
        let x = Tensor.normal(shape: [48, 10, 9, 2], using: &generator)
        var runs: [([Tensor], [Float])] = []
        for threads in [1, 2, 4] {
            Parallel.threadCount = threads
            let model = try Sequential(inputShape: [10, 9, 2], seed: 3) {
                Conv2D(filters: 4, kernelSize: 3, padding: .same, dilationRate: 2, activation: .relu)
                Conv2D(filters: 2, kernelSize: [2, 3], padding: .same, dilationRate: [3, 2])
            }
            model.compile(optimizer: Adam(learningRate: 1e-3), loss: MeanSquaredError())
            let history = try model.fit(x, x, epochs: 2, batchSize: 16, verbose: .silent)
            runs.append((model.parameters.map(\.value), history.loss))
        }
        #expect(runs[0].0 == runs[1].0 && runs[1].0 == runs[2].0)
        #expect(runs[0].1 == runs[1].1 && runs[1].1 == runs[2].1)
    }
}
