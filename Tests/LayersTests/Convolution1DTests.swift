import CKernels
import Foundation
import Layers
import Tensor
import TestSupport
import Testing

/// The Keras `get_config` subset the 1-D fixtures record (scripts/make_conv1d_fixtures.py); Keras
/// stores `kernel_size`, `strides`, `dilation_rate` and `pool_size` as one-element lists.
struct SequenceFixtureConfig: Decodable {
    struct Wrapper: Decodable { var config: SequenceFixtureConfig }
    var className: String
    var filters: Int?
    var kernelSize: [Int]?
    var strides: [Int]?
    var padding: Padding?
    var dilationRate: [Int]?
    var useBias: Bool?
    var activation: Activation?
    var poolSize: [Int]?
    var size: Int?
    var keepdims: Bool?
    var dataFormat: String?
}

/// Conv1D written out plainly, in Double: every output, tap and channel, with the padding rules
/// spelled out again (valid / TensorFlow same / causal). Returns the output and, for an upstream
/// gradient `dy`, the gradients of `Σ output ⊙ dy` with respect to the input and the kernel.
func referenceConv1D(
    _ x: Tensor, kernel w: Tensor, bias: Tensor?, strides s: Int, padding: Padding, dilation d: Int, dy: Tensor?
) -> (output: Tensor, inputGradient: Tensor, kernelGradient: Tensor) {
    let (batch, n, c) = (x.shape[0], x.shape[1], x.shape[2])
    let (k, f) = (w.shape[0], w.shape[2])
    let span = (k - 1) * d + 1
    let (out, before): (Int, Int) =
        switch padding {
        case .valid: ((n - span) / s + 1, 0)
        case .same: ((n + s - 1) / s, Swift.max(((n + s - 1) / s - 1) * s + span - n, 0) / 2)
        case .causal: ((n + s - 1) / s, span - 1)
        }
    let (xs, ws) = (x.scalars.map(Double.init), w.scalars.map(Double.init))
    var y = [Double](repeating: 0, count: batch * out * f)
    var dx = [Double](repeating: 0, count: xs.count)
    var dw = [Double](repeating: 0, count: ws.count)
    let dys = dy?.scalars.map(Double.init)
    for b in 0..<batch {
        for t in 0..<out {
            for o in 0..<f {
                let yIndex = (b * out + t) * f + o
                var sum = bias.map { Double($0.scalars[o]) } ?? 0
                for j in 0..<k {
                    let step = t * s - before + j * d
                    guard step >= 0, step < n else { continue }
                    for ch in 0..<c {
                        let (xIndex, wIndex) = ((b * n + step) * c + ch, (j * c + ch) * f + o)
                        sum += xs[xIndex] * ws[wIndex]
                        if let dys {
                            dx[xIndex] += dys[yIndex] * ws[wIndex]
                            dw[wIndex] += dys[yIndex] * xs[xIndex]
                        }
                    }
                }
                y[yIndex] = sum
            }
        }
    }
    return (
        Tensor(shape: [batch, out, f], scalars: y.map(Float.init)), Tensor(shape: x.shape, scalars: dx.map(Float.init)),
        Tensor(shape: w.shape, scalars: dw.map(Float.init))
    )
}

// Conv1D, MaxPooling1D, UpSampling1D and GlobalAveragePooling1D against Keras 3, a plain reference,
// the layer test kit, and their typed errors.
@Suite struct Convolution1DTests {
    static let conv1DCases = [
        "conv1d_valid_s1_d1_n7_c1_f3_k3", "conv1d_valid_s2_d1_n8_c3_f4_k3_nobias",
        "conv1d_valid_s1_d2_n9_c3_f2_k3_relu",
        "conv1d_same_s1_d1_n8_c3_f4_k3_relu", "conv1d_same_s2_d1_n7_c3_f4_k3", "conv1d_same_s2_d1_n8_c1_f2_k4_nobias",
        "conv1d_same_s1_d1_n6_c2_f3_k2", "conv1d_same_s1_d2_n7_c3_f4_k3_nobias", "conv1d_causal_s1_d1_n7_c3_f4_k3",
        "conv1d_causal_s2_d1_n8_c3_f2_k2_relu", "conv1d_causal_s2_d1_n7_c1_f4_k3_tanh",
        "conv1d_causal_s1_d2_n8_c1_f3_k3_nobias",
        // One filter: computed without unfolding (scripts/make_single_filter_fixtures.py).
        "conv1d_same_s1_d1_n5_c59_f1_k3", "conv1d_causal_s1_d2_n8_c17_f1_k3_nobias",
        "conv1d_valid_s2_d1_n9_c4_f1_k2_tanh",
    ]
    static let poolingCases = [
        "max_pooling1d_p2_s2_valid_n7_c3", "max_pooling1d_p2_s2_valid_n8_c2", "max_pooling1d_p2_s1_valid_n5_c2",
        "max_pooling1d_p3_s2_same_n7_c3", "max_pooling1d_p3_s2_same_n8_c1", "up_sampling1d_2_n5_c3",
        "up_sampling1d_3_n4_c1", "global_average_pooling1d_n7_c3", "global_average_pooling1d_keepdims_n6_c2",
    ]

    @Test(arguments: conv1DCases)
    func conv1DMatchesKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let c = try fixture(SequenceFixtureConfig.Wrapper.self, name).config
        #expect(c.className == "Conv1D" && c.dataFormat == "channels_last")
        let layer = Conv1D(
            filters: try #require(c.filters), kernelSize: try #require(c.kernelSize?.first),
            strides: try #require(c.strides?.first), padding: try #require(c.padding),
            dilationRate: try #require(c.dilationRate?.first), activation: try #require(c.activation),
            useBias: try #require(c.useBias as Bool?), name: "conv1d")
        try ConvolutionTests().expectKerasParity(layer, fixture: f, name)
    }

    @Test(arguments: poolingCases)
    func poolingAndUpsamplingMatchKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let c = try fixture(SequenceFixtureConfig.Wrapper.self, name).config
        #expect(c.dataFormat == nil || c.dataFormat == "channels_last")
        let layer: any Layer =
            switch c.className {
            case "MaxPooling1D":
                MaxPooling1D(
                    poolSize: try #require(c.poolSize?.first), strides: c.strides?.first,
                    padding: try #require(c.padding), name: "max_pooling1d")
            case "UpSampling1D": UpSampling1D(size: try #require(c.size), name: "up_sampling1d")
            default:
                GlobalAveragePooling1D(keepDims: try #require(c.keepdims as Bool?), name: "global_average_pooling1d")
            }
        #expect(layer.typeName == c.className)
        try ConvolutionTests().expectKerasParity(layer, fixture: f, name)
    }

    /// The README's sequence autoencoder, scaled down to windows [8, 6]: output, MSE, gradients and three
    /// Adam steps against Keras.
    @Test func conv1DAutoencoderMatchesKeras() throws {
        let model = try Sequential(inputShape: [8, 6]) {
            Conv1D(filters: 4, kernelSize: 3, padding: .same, activation: .relu)
            MaxPooling1D(poolSize: 2)
            Conv1D(filters: 3, kernelSize: 3, padding: .same, activation: .relu)
            UpSampling1D(size: 2)
            Conv1D(filters: 6, kernelSize: 3, padding: .same)
        }
        try expectModelParity(model, fixture: "conv1d_autoencoder")
    }

    /// The autoencoder on windows [8, 59]: Keras gives 5,696 + 1,552 + 2,891 = 10,139 parameters.
    @Test func conv1DAutoencoderShapesAndParameterCountsMatchKeras() throws {
        struct Shapes: Decodable {
            var inputShape: [Int]
            var types: [String]
            var outputShapes: [[Int]]
            var paramCounts: [Int]
        }
        let keras = try fixture(Shapes.self, "conv1d_autoencoder_shapes")
        let model = try Sequential(inputShape: keras.inputShape) {
            Conv1D(filters: 32, kernelSize: 3, padding: .same, activation: .relu)
            MaxPooling1D(poolSize: 2)
            Conv1D(filters: 16, kernelSize: 3, padding: .same, activation: .relu)
            UpSampling1D(size: 2)
            Conv1D(filters: 59, kernelSize: 3, padding: .same)
        }
        #expect(model.layers.map(\.typeName) == keras.types)
        #expect(model.layers.map(\.parameterCount) + [model.parameterCount] == keras.paramCounts)
        #expect(keras.paramCounts == [5_696, 0, 1_552, 0, 2_891, 10_139])
        var shape = keras.inputShape
        for (layer, expected) in zip(model.layers, keras.outputShapes) {
            shape = try layer.outputShape(for: shape)
            #expect(shape == expected, "\(layer.name)")
        }
        #expect(model.layers.map(\.name) == ["conv1d", "max_pooling1d", "conv1d_1", "up_sampling1d", "conv1d_2"])
    }

    /// Every padding, stride, dilation and length (windows hanging over both ends, lengths shorter
    /// than the window) against the plain reference: output, ∂input and ∂kernel.
    @Test(arguments: [Padding.valid, .same, .causal])
    func conv1DMatchesAPlainReference(padding: Padding) throws {
        var generator = SeededGenerator(seed: 41)
        for n in [1, 2, 5, 8, 9] {
            for k in 1...4 {
                for (s, d) in [(1, 1), (1, 2), (1, 3), (2, 1), (3, 1)] {
                    if padding == .valid && n < (k - 1) * d + 1 { continue }
                    let layer = Conv1D(filters: 3, kernelSize: k, strides: s, padding: padding, dilationRate: d)
                    try layer.build(inputShape: [n, 2], using: &generator)
                    try layer.bias!.assign(Tensor.normal(shape: [3], using: &generator))
                    let x = Tensor.normal(shape: [2, n, 2], using: &generator)
                    let y = try layer.forward(x, training: true)
                    let dy = Tensor.normal(shape: y.shape, using: &generator)
                    let expected = referenceConv1D(
                        x, kernel: layer.kernel!.value, bias: layer.bias!.value, strides: s, padding: padding,
                        dilation: d, dy: dy)
                    let label = "n \(n) k \(k) s \(s) d \(d) \(padding)"
                    expectClose(y, expected.output, "\(label): output")
                    layer.kernel!.zeroGradient()
                    expectClose(try layer.backward(dy), expected.inputGradient, "\(label): ∂input")
                    expectClose(layer.kernel!.gradient, expected.kernelGradient, "\(label): ∂kernel")
                }
            }
        }
    }

    @Test func causalOutputsDependOnNoLaterStep() throws {
        var generator = SeededGenerator(seed: 7)
        for (s, d) in [(1, 1), (1, 3), (2, 1)] {
            let layer = Conv1D(filters: 2, kernelSize: 3, strides: s, padding: .causal, dilationRate: d)
            try layer.build(inputShape: [10, 2], using: &generator)
            var x = Tensor.normal(shape: [1, 10, 2], using: &generator)
            let before = try layer.forward(x, training: false)
            #expect(before.shape == [1, (10 + s - 1) / s, 2])
            x[0, 6, 1] += 5  // step 6 changes: outputs t with t·s < 6 must not
            let after = try layer.forward(x, training: false)
            for t in 0..<before.shape[1] {
                let changed = before[0, t, 0] != after[0, t, 0] || before[0, t, 1] != after[0, t, 1]
                if t * s < 6 { #expect(!changed, "s \(s) d \(d): output \(t) saw step 6") }
                if t * s == 6 { #expect(changed, "s \(s) d \(d): output \(t) reads step 6 through its last tap") }
            }
        }
    }

    @Test func samePaddingPutsTheExtraStepAtTheEnd() throws {
        // k = 2, s = 1: one zero after the sequence, none before (TensorFlow), unlike causal.
        let sum = Conv1D(filters: 1, kernelSize: 2, padding: .same, useBias: false)
        let causal = Conv1D(filters: 1, kernelSize: 2, padding: .causal, useBias: false)
        var generator = SeededGenerator(seed: 1)
        for layer in [sum, causal] {
            try layer.build(inputShape: [4, 1], using: &generator)
            try layer.kernel!.assign(Tensor(shape: [2, 1, 1], scalars: [1, 10]))
        }
        let x = Tensor(shape: [1, 4, 1], scalars: [1, 2, 3, 4])
        #expect(try sum.forward(x, training: false).scalars == [21, 32, 43, 4])
        #expect(try causal.forward(x, training: false).scalars == [10, 21, 32, 43])
        // k = 3, s = 2, n = 8: 4 outputs, total padding 1, after the sequence.
        #expect(try Conv1D(filters: 1, kernelSize: 3, strides: 2, padding: .same).outputShape(for: [8, 1]) == [4, 1])
        #expect(try Conv1D(filters: 1, kernelSize: 3, dilationRate: 2).outputShape(for: [9, 1]) == [5, 1])
    }

    static let kitCases: [(String, @Sendable () -> any Layer, [Int], [Int], Int)] = [
        (
            "conv1d same tanh", { Conv1D(filters: 3, kernelSize: 3, padding: .same, activation: .tanh) }, [7, 2],
            [7, 3], 21
        ),
        (
            "conv1d valid stride 2 no bias", { Conv1D(filters: 2, kernelSize: 2, strides: 2, useBias: false) }, [9, 3],
            [4, 2], 12
        ),
        (
            "conv1d causal dilation 2",
            { Conv1D(filters: 2, kernelSize: 3, padding: .causal, dilationRate: 2, activation: .sigmoid) }, [8, 2],
            [8, 2], 14
        ),
        (
            "conv1d causal stride 2", { Conv1D(filters: 4, kernelSize: 2, strides: 2, padding: .causal) }, [7, 1],
            [4, 4], 12
        ),
        ("conv1d valid dilation 3", { Conv1D(filters: 2, kernelSize: 2, dilationRate: 3) }, [6, 2], [3, 2], 10),
        ("max pooling 1d", { MaxPooling1D() }, [7, 3], [3, 3], 0),
        ("max pooling 1d 3/2 same", { MaxPooling1D(poolSize: 3, strides: 2, padding: .same) }, [8, 2], [4, 2], 0),
        ("up sampling 1d", { UpSampling1D() }, [4, 3], [8, 3], 0),
        ("up sampling 1d 3", { UpSampling1D(size: 3) }, [3, 1], [9, 1], 0),
        ("global average pooling 1d", { GlobalAveragePooling1D() }, [5, 3], [3], 0),
        ("global average pooling 1d keepDims", { GlobalAveragePooling1D(keepDims: true) }, [5, 3], [1, 3], 0),
    ]

    @Test(arguments: kitCases.indices)
    func sequenceLayersPassTheLayerTestKit(index: Int) {
        let (name, make, inputShape, outputShape, count) = Self.kitCases[index]
        // Max pooling is not differentiable where a window holds two equal values: keep them apart.
        let input = name.hasPrefix("max pooling") ? distinctValues([3] + inputShape, seed: UInt64(index)) : nil
        let report = LayerTest.run(
            make(), inputShape: inputShape, input: input, expectedOutputShape: outputShape,
            expectedParameterCount: count, seed: 5)
        #expect(report.passed, "\(name):\n\(report)")
        let checks = ["build", "output shape", "configuration", "save and load", "gradients"]
        #expect(report.checks.map(\.name) == checks + (count > 0 ? ["training"] : []), "\(name)")
    }

    @Test func layersAreRegisteredAndKeepKerasDefaults() throws {
        for name in ["Conv1D", "MaxPooling1D", "UpSampling1D", "GlobalAveragePooling1D"] {
            #expect(LayerRegistry.isRegistered(name), "\(name)")
        }
        let conv = Conv1D(filters: 4, kernelSize: 3)
        #expect(conv.strides == 1 && conv.padding == .valid && conv.dilationRate == 1 && conv.useBias)
        #expect(
            conv.activation == .linear && conv.kernelInitializer == .glorotUniform && conv.biasInitializer == .zeros)
        let pool = MaxPooling1D()
        #expect(pool.poolSize == 2 && pool.strides == 2 && pool.padding == .valid)
        #expect(MaxPooling1D(poolSize: 3).strides == 3, "strides default to the pool size")
        #expect(UpSampling1D().size == 2)
        #expect(GlobalAveragePooling1D().keepDims == false)
        let model = try Sequential(inputShape: [8, 3]) {
            Conv1D(filters: 2, kernelSize: 3, padding: .causal)
            GlobalAveragePooling1D()
        }
        #expect(model.layers.map(\.name) == ["conv1d", "global_average_pooling1d"])
        #expect((model.layers[0] as? Conv1D)?.kernel?.value.shape == [3, 3, 2])
    }

    @Test func modelSavesAndLoadsWithCausalPaddingAndDilation() throws {
        let model = try Sequential(inputShape: [12, 3], seed: 3) {
            Conv1D(filters: 4, kernelSize: 3, padding: .causal, dilationRate: 2, activation: .relu)
            MaxPooling1D(poolSize: 2, padding: .same)
            Conv1D(filters: 2, kernelSize: 2, strides: 2, useBias: false)
            UpSampling1D(size: 3)
            GlobalAveragePooling1D(keepDims: true)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-conv1d-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        var generator = SeededGenerator(seed: 4)
        let x = Tensor.normal(shape: [5, 12, 3], using: &generator)
        #expect(try loaded.predict(x) == model.predict(x))
        let conv = try #require(loaded.layers[0] as? Conv1D)
        #expect(conv.padding == .causal && conv.dilationRate == 2 && conv.activation == .relu)
        #expect(loaded.outputShape == [1, 2])
    }

    @Test func badHyperparametersThrowTypedErrors() throws {
        func invalid(_ argument: String, _ value: String, _ expected: String) -> LayerError {
            .invalidArgument(layer: "c", argument: argument, value: value, expected: expected)
        }
        let positive = "a positive integer of at most \(SizeLimit.maximumElementCount)"
        for (layer, error) in [
            (Conv1D(filters: 0, kernelSize: 3, name: "c"), invalid("filters", "0", "a positive integer")),
            (Conv1D(filters: 1, kernelSize: 0, name: "c"), invalid("kernelSize", "0", positive)),
            (Conv1D(filters: 1, kernelSize: 3, strides: -1, name: "c"), invalid("strides", "-1", positive)),
            (Conv1D(filters: 1, kernelSize: 3, dilationRate: 0, name: "c"), invalid("dilationRate", "0", positive)),
            (
                Conv1D(filters: 1, kernelSize: 3, strides: 2, dilationRate: 2, name: "c"),
                invalid("dilationRate", "2", "1 when strides is more than 1 (strides = 2), as in Keras")
            ),
            (
                Conv1D(filters: 1, kernelSize: 3, activation: .softmax, name: "c"),
                invalid("activation", "softmax", "an element-wise activation")
            ),
        ] {
            #expect(throws: error) { try layer.outputShape(for: [8, 2]) }
            #expect(throws: error) { try Sequential(inputShape: [8, 2]) { layer } }
        }
        // Keras refuses strides > 1 with dilation > 1 whatever the padding.
        for padding in [Padding.valid, .same, .causal] {
            #expect(throws: LayerError.self) {
                try Conv1D(filters: 1, kernelSize: 2, strides: 3, padding: padding, dilationRate: 2)
                    .outputShape(for: [8, 1])
            }
        }
        #expect(
            throws: LayerError.tooLarge(layer: "c", tensor: "kernel", size: "[3, 2, 2147483647]", limit: Int(Int32.max))
        ) {
            try Conv1D(filters: Int(Int32.max), kernelSize: 3, name: "c").outputShape(for: [8, 2])
        }
        #expect(throws: LayerError.self) {
            try Conv1D(filters: 1, kernelSize: 1 << 20, padding: .same, dilationRate: 1 << 20).outputShape(for: [8, 2])
        }
        #expect(throws: invalid("size", "0", "a positive integer")) {
            try UpSampling1D(size: 0, name: "c").outputShape(for: [4, 1])
        }
        #expect(throws: invalid("poolSize", "0", "a positive integer")) {
            try MaxPooling1D(poolSize: 0, name: "c").outputShape(for: [4, 1])
        }
        #expect(throws: invalid("strides", "-2", "a positive integer")) {
            try MaxPooling1D(strides: -2, name: "c").outputShape(for: [4, 1])
        }
    }

    /// Keras takes causal padding in 1-D convolutions only: the 2-D layers and the pooling layers refuse it.
    @Test func onlyConv1DTakesCausalPadding() throws {
        let refused = LayerError.invalidArgument(
            layer: "c", argument: "padding", value: "causal",
            expected: "valid or same (causal padding is for 1-D convolutions only)")
        #expect(throws: refused) {
            try Conv2D(filters: 1, kernelSize: 3, padding: .causal, name: "c").outputShape(for: [5, 5, 1])
        }
        #expect(throws: refused) {
            try Conv2DTranspose(filters: 1, kernelSize: 3, padding: .causal, name: "c").outputShape(for: [5, 5, 1])
        }
        #expect(throws: refused) { try MaxPooling2D(padding: .causal, name: "c").outputShape(for: [4, 4, 1]) }
        #expect(throws: refused) { try MaxPooling1D(padding: .causal, name: "c").outputShape(for: [4, 1]) }
        // Even with a wrong input shape, the padding is what is reported first.
        #expect(throws: refused) {
            try Conv2D(filters: 1, kernelSize: 3, padding: .causal, name: "c").outputShape(for: [5])
        }
        #expect(throws: LayerError.self) {
            try Sequential(inputShape: [6, 6, 1]) { Conv2D(filters: 1, kernelSize: 3, padding: .causal) }
        }
        #expect(try Conv1D(filters: 1, kernelSize: 3, padding: .causal).outputShape(for: [5, 1]) == [5, 1])
    }

    @Test func badShapesThrowTypedErrors() throws {
        for layer in [
            Conv1D(filters: 1, kernelSize: 3, name: "c") as any Layer, MaxPooling1D(name: "c"), UpSampling1D(name: "c"),
            GlobalAveragePooling1D(name: "c"),
        ] {
            for shape in [[8], [8, 2, 1], [0, 2], [8, 0]] {
                #expect(
                    throws: LayerError.incompatibleInput(layer: "c", expected: "[steps, channels]", received: shape)
                ) {
                    try layer.outputShape(for: shape)
                }
            }
            #expect(throws: LayerError.notBuilt(layer: "c")) { try layer.backward(Tensor(zeros: [1, 2, 1])) }
        }
        // A valid window longer than the sequence (the dilated span counts).
        #expect(
            throws: LayerError.incompatibleInput(
                layer: "c", expected: "spatial sizes of at least the window 5 with valid padding", received: [4, 1])
        ) {
            try Conv1D(filters: 1, kernelSize: 3, dilationRate: 2, name: "c").outputShape(for: [4, 1])
        }
        #expect(throws: LayerError.self) { try MaxPooling1D(poolSize: 5).outputShape(for: [4, 1]) }
        #expect(
            try Conv1D(filters: 1, kernelSize: 3, padding: .same, dilationRate: 2).outputShape(for: [4, 1]) == [4, 1])

        // forward checks every batch: the rank and the channels the kernel was built for.
        let model = try Sequential(inputShape: [6, 2]) { Conv1D(filters: 3, kernelSize: 3, name: "c") }
        let conv = model.layers[0]
        #expect(throws: LayerError.incompatibleInput(layer: "c", expected: "[steps, 2]", received: [6, 3])) {
            try conv.forward(Tensor(zeros: [1, 6, 3]), training: false)
        }
        #expect(throws: LayerError.incompatibleInput(layer: "c", expected: "[steps, channels]", received: [6, 2, 1])) {
            try conv.forward(Tensor(zeros: [1, 6, 2, 1]), training: false)
        }
        #expect(throws: LayerError.notBuilt(layer: "c")) {
            try Conv1D(filters: 1, kernelSize: 3, name: "c").forward(Tensor(zeros: [1, 6, 2]), training: false)
        }
        // backward refuses a gradient of another shape than the last output (no crash).
        _ = try conv.forward(Tensor(zeros: [2, 6, 2]), training: true)
        #expect(
            throws: LayerError.incompatibleInput(layer: "c", expected: "a gradient of shape [4, 3]", received: [5, 3])
        ) {
            try conv.backward(Tensor(zeros: [2, 5, 3]))
        }
        for layer in [MaxPooling1D(name: "p") as any Layer, UpSampling1D(name: "p"), GlobalAveragePooling1D(name: "p")]
        {
            let y = try layer.forward(Tensor(zeros: [2, 6, 2]), training: true)
            #expect(throws: LayerError.self) { try layer.backward(Tensor(zeros: [2, 7, 2])) }
            #expect(try layer.backward(Tensor(zeros: y.shape)).shape == [2, 6, 2])
            #expect(throws: LayerError.self) { try layer.forward(Tensor(zeros: [2, 6]), training: true) }
        }
        // A 2-D convolution's backward checks the gradient shape too (it now shares Conv1D's code).
        let image = Conv2D(filters: 2, kernelSize: 3, name: "i")
        var generator = SeededGenerator(seed: 1)
        try image.build(inputShape: [5, 5, 1], using: &generator)
        _ = try image.forward(Tensor(zeros: [1, 5, 5, 1]), training: true)
        #expect(throws: LayerError.self) { try image.backward(Tensor(zeros: [1, 3, 4, 2])) }
    }

    @Test func poolingTakesTheFirstMaximumAndSumsUpsampledGradients() throws {
        let pool = MaxPooling1D(poolSize: 3, strides: 2, padding: .same)
        // n = 8: 4 windows, steps 0–2, 2–4, 4–6, 6–7 (the padding after); padded steps never win.
        let x = Tensor(shape: [1, 8, 1], scalars: [-1, -2, -3, -3, -5, -6, -7, -8])
        #expect(try pool.forward(x, training: true).scalars == [-1, -3, -5, -7])
        #expect(
            try pool.backward(Tensor(shape: [1, 4, 1], scalars: [1, 2, 3, 4])).scalars == [1, 0, 2, 0, 3, 0, 4, 0])
        let up = UpSampling1D(size: 3)
        let y = try up.forward(Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4]), training: true)
        #expect(y.scalars == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        #expect(
            try up.backward(Tensor(shape: [1, 6, 2], scalars: (1...12).map(Float.init))).scalars == [9, 12, 27, 30])
        let average = GlobalAveragePooling1D()
        #expect(
            try average.forward(Tensor(shape: [1, 4, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8]), training: true).scalars
                == [4, 5])
        #expect(try average.backward(Tensor(shape: [1, 2], scalars: [4, 8])).scalars == [1, 2, 1, 2, 1, 2, 1, 2])
    }

    /// Sequences are unfolded in groups of samples on several threads: results must not depend on the
    /// thread count, and every sample's result is what it gives alone.
    @Test func resultsAreIndependentOfThreadsAndBatch() throws {
        var generator = SeededGenerator(seed: 3)
        let layer = Conv1D(filters: 8, kernelSize: 3, padding: .causal, dilationRate: 2, activation: .relu)
        try layer.build(inputShape: [40, 5], using: &generator)
        let x = Tensor.normal(shape: [64, 40, 5], using: &generator)
        let dy = Tensor.normal(shape: [64, 40, 8], using: &generator)
        try ConvolutionTests.expectIndependentOfThreadsAndBatch(
            layer, kernel: layer.kernel!, bias: layer.bias!, input: x, outputGradient: dy)
    }

    /// The shared im2col/col2im kernels with dilation along both axes (Conv1D uses only the column
    /// axis): every patch entry against the plain rule, and col2im as the exact adjoint (sums of the
    /// entries read from each pixel), with windows hanging over every border.
    @Test(arguments: [(1, 1), (2, 1), (1, 3), (2, 2)])
    func im2colAndCol2imDilateBothAxes(dilationY: Int, dilationX: Int) {
        let (height, width, channels, kh, kw) = (5, 7, 3, 2, 3)
        let (sy, sx, top, left) = (1, 2, 1, 2)
        let (outHeight, outWidth) = (5, 4)
        var geometry = rek_conv_geometry(
            height: height, width: width, channels: channels, kernelHeight: kh, kernelWidth: kw, strideY: sy,
            strideX: sx, dilationY: dilationY, dilationX: dilationX, padTop: top, padLeft: left,
            outHeight: outHeight, outWidth: outWidth)
        let image = (0..<(height * width * channels)).map { Float($0 + 1) }
        let patch = kh * kw * channels
        var columns = [Float](repeating: .nan, count: outHeight * outWidth * patch)
        rek_im2col(&geometry, image, 0, 1, &columns)
        var expected = [Float](repeating: 0, count: columns.count)
        var folded = [Float](repeating: 0, count: image.count)
        let weights = (0..<columns.count).map { Float($0 % 7) - 3 }
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let (y, x) = (oy * sy - top + ky * dilationY, ox * sx - left + kx * dilationX)
                        guard y >= 0, y < height, x >= 0, x < width else { continue }
                        for c in 0..<channels {
                            let entry = ((oy * outWidth + ox) * kh * kw + ky * kw + kx) * channels + c
                            let pixel = (y * width + x) * channels + c
                            expected[entry] = image[pixel]
                            folded[pixel] += weights[entry]
                        }
                    }
                }
            }
        }
        #expect(columns == expected, "im2col with dilation (\(dilationY), \(dilationX))")
        var images = [Float](repeating: .nan, count: image.count)
        rek_col2im(&geometry, weights, 0, 1, &images)
        #expect(images == folded, "col2im with dilation (\(dilationY), \(dilationX))")
    }
}
