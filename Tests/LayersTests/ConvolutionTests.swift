import Foundation
import Layers
import Tensor
import Testing

/// The Keras `get_config` subset the convolution fixtures record (scripts/make_fixtures.py).
struct ConvolutionFixtureConfig: Decodable {
    struct Wrapper: Decodable { var config: ConvolutionFixtureConfig }
    var filters: Int
    var kernelSize: [Int]
    var strides: [Int]
    var padding: Padding
    var outputPadding: [Int]?
    var useBias: Bool
    var activation: Activation
}

@Suite struct ConvolutionTests {
    static let conv2DCases = [
        "conv2d_s1_same_7x7_c1_f4_k3", "conv2d_s1_same_8x6_c3_f4_k2x3_relu", "conv2d_s1_valid_8x6_c1_f2_k2x3_nobias",
        "conv2d_s2_same_7x7_c1_f4_k2x3_nobias", "conv2d_s2_same_7x7_c3_f4_k3", "conv2d_s2_same_8x6_c3_f4_k3_relu",
        "conv2d_s2_valid_7x7_c3_f4_k3_nobias", "conv2d_s2_valid_8x6_c3_f4_k2x3",
        // One filter: computed without unfolding (scripts/make_single_filter_fixtures.py).
        "conv2d_s1_same_5x5_c16_f1_k3_sigmoid", "conv2d_s1_same_4x5_c17_f1_k3", "conv2d_s2_same_8x6_c3_f1_k2x3_nobias",
        "conv2d_s1_valid_7x6_c1_f1_k3", "conv2d_s2_valid_5x5_c20_f1_k3_relu",
    ]
    static let transposeCases = [
        "conv2d_transpose_s1_same_7x7_c1_f4_k3", "conv2d_transpose_s1_same_8x6_c3_f4_k2x3_nobias",
        "conv2d_transpose_s1_valid_4x5_c1_f4_k2x3", "conv2d_transpose_s2_same_4x5_c3_f4_k2x3_relu",
        "conv2d_transpose_s2_same_7x7_c3_f4_k3", "conv2d_transpose_s2_same_7x7_c3_f4_k3_op0",
        "conv2d_transpose_s2_valid_4x5_c3_f2_k3_nobias", "conv2d_transpose_s2_valid_4x5_c3_f4_k3_op1",
        "conv2d_transpose_s3_valid_4x5_c2_f3_k2",
    ]

    /// A built convolution with a kernel and a bias gives the same forward pass, input gradient and
    /// weight gradients with 1, 2 and 4 threads, and each sample of the batch what it gives alone.
    static func expectIndependentOfThreadsAndBatch(
        _ layer: some Layer, kernel: Parameter, bias: Parameter, input x: Tensor, outputGradient dy: Tensor
    ) throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        func run(threads: Int) throws -> [Tensor] {
            Parallel.threadCount = threads
            kernel.zeroGradient()
            bias.zeroGradient()
            return [try layer.forward(x, training: true), try layer.backward(dy), kernel.gradient, bias.gradient]
        }
        let serial = try run(threads: 1)
        #expect(try run(threads: 2) == serial)
        #expect(try run(threads: 4) == serial)
        for row in [0, x.batchSize / 2, x.batchSize - 1] {
            #expect(
                try layer.forward(x.slicingBatch(row..<row + 1), training: true)
                    == serial[0].slicingBatch(row..<row + 1))
            #expect(try layer.backward(dy.slicingBatch(row..<row + 1)) == serial[1].slicingBatch(row..<row + 1))
        }
    }

    /// Loads the fixture's weights into `layer`, then compares the output, ∂input and ∂weights with Keras.
    func expectKerasParity(_ layer: any Layer, fixture f: LayerFixture, _ name: String) throws {
        var generator = SeededGenerator(seed: 0)
        #expect(
            try layer.outputShape(for: Array(f.input.shape.dropFirst())) == Array(f.output.shape.dropFirst()),
            "\(name) shape")
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        try load(f.weights, into: layer)
        expectClose(try layer.forward(f.input.tensor, training: true), f.output.tensor, "\(name) output")
        for parameter in layer.parameters { parameter.zeroGradient() }
        expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, "\(name) ∂input")
        for parameter in layer.parameters {
            expectClose(
                parameter.gradient, try #require(f.gradWeights[parameter.name]).tensor, "\(name) ∂\(parameter.name)")
        }
    }

    @Test(arguments: conv2DCases)
    func conv2DMatchesKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let c = try fixture(ConvolutionFixtureConfig.Wrapper.self, name).config
        let layer = Conv2D(
            filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding,
            activation: c.activation, useBias: c.useBias, name: "conv2d")
        try expectKerasParity(layer, fixture: f, name)
    }

    @Test(arguments: transposeCases)
    func conv2DTransposeMatchesKeras(name: String) throws {
        let f = try fixture(LayerFixture.self, name)
        let c = try fixture(ConvolutionFixtureConfig.Wrapper.self, name).config
        let layer = Conv2DTranspose(
            filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding,
            outputPadding: c.outputPadding, activation: c.activation, useBias: c.useBias,
            name: "conv2d_transpose")
        try expectKerasParity(layer, fixture: f, name)
    }

    @Test func tutorialShapesAndParameterCounts() throws {
        let encoder = try Sequential(inputShape: [28, 28, 1], name: "encoder") {
            Conv2D(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
        }
        let decoder = try Sequential(inputShape: [7, 7, 8], name: "decoder") {
            Conv2DTranspose(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2DTranspose(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 1, kernelSize: 3, padding: .same, activation: .sigmoid)
        }
        #expect(encoder.layers.map(\.parameterCount) == [160, 1_160])
        #expect(encoder.outputShape == [7, 7, 8])
        #expect(decoder.layers.map(\.parameterCount) == [584, 1_168, 145])
        #expect(decoder.outputShape == [28, 28, 1])
        #expect(encoder.parameterCount == 1_320 && decoder.parameterCount == 1_897)
    }

    static let kitCases: [(String, @Sendable () -> any Layer, [Int], [Int], Int)] = [
        (
            "conv2d same stride 2",
            { Conv2D(filters: 3, kernelSize: 3, strides: 2, padding: .same, activation: .tanh) },
            [7, 6, 2], [4, 3, 3], 57
        ),
        (
            "conv2d valid 2x3 no bias", { Conv2D(filters: 2, kernelSize: [2, 3], useBias: false) }, [5, 5, 3],
            [4, 3, 2], 36
        ),
        (
            "transpose same stride 2",
            { Conv2DTranspose(filters: 3, kernelSize: 3, strides: 2, padding: .same, activation: .sigmoid) },
            [3, 4, 2], [6, 8, 3], 57
        ),
        (
            "transpose valid output padding",
            { Conv2DTranspose(filters: 2, kernelSize: 3, strides: 2, outputPadding: 1) },
            [3, 3, 2], [8, 8, 2], 38
        ),
    ]

    @Test(arguments: kitCases.indices)
    func convolutionsPassTheLayerTestKit(index: Int) {
        let (name, make, inputShape, outputShape, count) = Self.kitCases[index]
        let report = LayerTest.run(
            make(), inputShape: inputShape, expectedOutputShape: outputShape,
            expectedParameterCount: count, seed: 5)
        #expect(report.passed, "\(name):\n\(report)")
    }

    @Test func invalidHyperparametersAndInputsThrow() throws {
        #expect(throws: LayerError.self) { try Conv2D(filters: 0, kernelSize: 3).outputShape(for: [5, 5, 1]) }
        #expect(throws: LayerError.self) { try Conv2D(filters: 1, kernelSize: [3]).outputShape(for: [5, 5, 1]) }
        #expect(throws: LayerError.self) {
            try Conv2D(filters: 1, kernelSize: 3, strides: 0).outputShape(for: [5, 5, 1])
        }
        #expect(throws: LayerError.self) { try Conv2D(filters: 1, kernelSize: 6).outputShape(for: [5, 5, 1]) }
        #expect(throws: LayerError.self) { try Conv2D(filters: 1, kernelSize: 3).outputShape(for: [5, 5]) }
        #expect(throws: LayerError.self) {
            try Conv2DTranspose(filters: 1, kernelSize: 3, strides: 2, outputPadding: 2).outputShape(for: [5, 5, 1])
        }
        let model = try Sequential(inputShape: [6, 6, 2]) { Conv2D(filters: 1, kernelSize: 3) }
        var generator = SeededGenerator(seed: 1)
        #expect(throws: LayerError.self) {
            try model.layers[0].forward(Tensor.normal(shape: [1, 6, 6, 3], using: &generator), training: false)
        }
    }

    /// Images are unfolded and folded in bands of samples on several threads: every sample's result
    /// must be exactly what it gives alone, for both layers.
    @Test func samplesAreIndependentOfTheirBatch() throws {
        var generator = SeededGenerator(seed: 3)
        for layer in [
            Conv2D(filters: 4, kernelSize: 3, strides: 2, padding: .same) as any Layer,
            Conv2DTranspose(filters: 4, kernelSize: 3, strides: 2, padding: .same),
        ] {
            try layer.build(inputShape: [12, 12, 3], using: &generator)
            let x = Tensor.normal(shape: [64, 12, 12, 3], using: &generator)
            let y = try layer.forward(x, training: true)
            let dy = Tensor.normal(shape: y.shape, using: &generator)
            let dx = try layer.backward(dy)
            for row in [0, 31, 32, 63] {
                #expect(
                    try layer.forward(x.slicingBatch(row..<row + 1), training: true) == y.slicingBatch(row..<row + 1))
                #expect(try layer.backward(dy.slicingBatch(row..<row + 1)) == dx.slicingBatch(row..<row + 1))
            }
        }
    }
}
