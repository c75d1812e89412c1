import Foundation
import Layers
import Tensor
import TestSupport
import Testing

/// A pooling or upsampling fixture from scripts/make_fixtures.py: the Keras config, an input, the
/// Keras output, an upstream gradient and Keras' input gradient for it.
struct ImageLayerFixture: Decodable {
    struct Config: Decodable {
        var poolSize: [Int]?
        var strides: [Int]?
        var padding: String?
        var size: [Int]?
        var interpolation: String?
        var dataFormat: String?
    }
    var config: Config
    var input: FixtureTensor
    var output: FixtureTensor
    var upstream: FixtureTensor
    var gradInput: FixtureTensor
}

/// A batch of distinct values 0.05 apart in random order, so that no max-pooling window holds two
/// values closer than a finite-difference step (the maximum is differentiable there).
func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }.shuffled(using: &generator)
    return Tensor(shape: shape, scalars: values)
}

// Flatten, Reshape, MaxPooling2D, UpSampling2D and Dropout through the layer test kit.
@Suite struct ImageLayerKitTests {
    static let cases: [(String, @Sendable () -> any Layer, [Int], [Int])] = [
        ("flatten", { Flatten() }, [4, 3, 2], [24]),
        ("flatten a vector", { Flatten() }, [5], [5]),
        ("reshape", { Reshape(targetShape: [2, 3, 4]) }, [24], [2, 3, 4]),
        ("reshape with -1", { Reshape(targetShape: [-1, 4]) }, [3, 8], [6, 4]),
        ("max pooling 2", { MaxPooling2D() }, [6, 6, 2], [3, 3, 2]),
        ("max pooling 2, odd size", { MaxPooling2D(poolSize: 2) }, [7, 5, 3], [3, 2, 3]),
        (
            "max pooling 3/2 same", { MaxPooling2D(poolSize: [3, 3], strides: [2, 2], padding: .same) }, [7, 7, 2],
            [4, 4, 2]
        ),
        ("max pooling 2x3/1x2 valid", { MaxPooling2D(poolSize: [2, 3], strides: [1, 2]) }, [5, 7, 1], [4, 3, 1]),
        ("max pooling 3/1 same", { MaxPooling2D(poolSize: 3, strides: 1, padding: .same) }, [4, 5, 2], [4, 5, 2]),
        ("max pooling 2 same, 6 channels", { MaxPooling2D(padding: .same) }, [5, 3, 6], [3, 2, 6]),
        ("up sampling 2", { UpSampling2D() }, [3, 4, 2], [6, 8, 2]),
        ("up sampling 2x3", { UpSampling2D(size: [2, 3]) }, [2, 3, 1], [4, 9, 1]),
    ]

    @Test(arguments: cases.indices)
    func weightlessImageLayerPassesTheKit(index: Int) {
        let (name, make, inputShape, outputShape) = Self.cases[index]
        // Max pooling is not differentiable where a window holds two equal values: keep them apart.
        let input = name.hasPrefix("max pooling") ? distinctValues([3] + inputShape, seed: UInt64(index)) : nil
        let report = LayerTest.run(
            make(), inputShape: inputShape, input: input, expectedOutputShape: outputShape,
            expectedParameterCount: 0, seed: 5)
        #expect(report.passed, "\(name):\n\(report)")
        #expect(report.checks.map(\.name) == ["build", "output shape", "configuration", "save and load", "gradients"])
    }

    @Test func dropoutPassesTheKit() {
        let report = LayerTest.run(
            Dropout(rate: 0.3), inputShape: [5, 4], expectedOutputShape: [5, 4],
            expectedParameterCount: 0, seed: 5, gradientCheckInTraining: false)
        #expect(report.passed, "\(report)")
    }

    @Test func imageLayersAreRegistered() {
        for name in ["Flatten", "Reshape", "MaxPooling2D", "UpSampling2D", "Dropout"] {
            #expect(LayerRegistry.isRegistered(name), "\(name)")
        }
    }
}

// Forward outputs and input gradients against Keras 3 (Tests/LayersTests/Fixtures).
@Suite struct ImageLayerKerasParityTests {
    @Test(arguments: [
        "max_pooling2d_p2_s2_valid_7x7_c3", "max_pooling2d_p2_s2_valid_8x8_c3",
        "max_pooling2d_p3_s2_same_7x7_c3", "max_pooling2d_p3_s2_same_8x8_c2",
    ])
    func maxPoolingMatchesKeras(name: String) throws {
        let f = try fixture(ImageLayerFixture.self, name)
        let poolSize = try #require(f.config.poolSize)
        let padding = try #require(f.config.padding.flatMap(Padding.init(rawValue:)))
        let layer = MaxPooling2D(poolSize: poolSize, strides: f.config.strides, padding: padding, name: "max_pooling2d")
        #expect(f.config.dataFormat == "channels_last")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        #expect(try layer.outputShape(for: Array(f.input.shape.dropFirst())) == Array(f.output.shape.dropFirst()))
        expectClose(
            try layer.forward(f.input.tensor, training: true), f.output.tensor, tolerance: 1e-6, "\(name) output")
        expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, tolerance: 1e-6, "\(name) ∂input")
    }

    @Test(arguments: ["up_sampling2d_2_4x5_c2", "up_sampling2d_2_7x7_c3", "up_sampling2d_2x3_4x5_c2"])
    func upSamplingMatchesKeras(name: String) throws {
        let f = try fixture(ImageLayerFixture.self, name)
        #expect(f.config.interpolation == "nearest")
        let layer = UpSampling2D(size: try #require(f.config.size), name: "up_sampling2d")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: Array(f.input.shape.dropFirst()), using: &generator)
        #expect(try layer.outputShape(for: Array(f.input.shape.dropFirst())) == Array(f.output.shape.dropFirst()))
        expectClose(
            try layer.forward(f.input.tensor, training: true), f.output.tensor, tolerance: 1e-6, "\(name) output")
        expectClose(try layer.backward(f.upstream.tensor), f.gradInput.tensor, tolerance: 1e-6, "\(name) ∂input")
    }
}

@Suite struct ReshapingLayerTests {
    @Test func reshapeInfersTheMinusOneEntry() throws {
        #expect(try Reshape(targetShape: [-1, 4]).outputShape(for: [3, 8]) == [6, 4])
        #expect(try Reshape(targetShape: [7, 7, -1]).outputShape(for: [1568]) == [7, 7, 32])
        #expect(try Reshape(targetShape: [-1]).outputShape(for: [2, 3, 4]) == [24])
        let layer = Reshape(targetShape: [2, -1])
        let x = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        let y = try layer.forward(x, training: true)
        #expect(y.shape == [2, 2, 3])
        #expect(y.scalars == x.scalars)
        let g = try layer.backward(y * 2)
        #expect(g.shape == [2, 3, 2])
        #expect(g.scalars == x.scalars.map { $0 * 2 })
    }

    @Test func reshapeRejectsMismatchedCountsAndBadTargets() throws {
        #expect(
            throws: LayerError.incompatibleInput(
                layer: "r", expected: "25 elements to reshape to [5, 5]", received: [3, 8])
        ) {
            try Reshape(targetShape: [5, 5], name: "r").outputShape(for: [3, 8])
        }
        #expect(
            throws: LayerError.incompatibleInput(
                layer: "r", expected: "a multiple of 5 elements to reshape to [-1, 5]",
                received: [3, 8])
        ) {
            try Reshape(targetShape: [-1, 5], name: "r").outputShape(for: [3, 8])
        }
        for bad in [[-1, -1], [0, 4], [-2, 12]] {
            #expect(
                throws: LayerError.invalidArgument(
                    layer: "r", argument: "targetShape", value: "\(bad)",
                    expected: "positive sizes and at most one -1")
            ) {
                try Reshape(targetShape: bad, name: "r").outputShape(for: [24])
            }
        }
        // The model reports the mismatch when the layer is added, and forward checks every batch.
        #expect(throws: LayerError.self) {
            try Sequential(inputShape: [3, 8]) { Reshape(targetShape: [5, 5]) }
        }
        let layer = Reshape(targetShape: [6, 4])
        #expect(throws: LayerError.self) { try layer.forward(Tensor(zeros: [2, 5]), training: false) }
        #expect(throws: LayerError.notBuilt(layer: "")) {
            try Reshape(targetShape: [4]).backward(Tensor(zeros: [1, 4]))
        }
    }

    @Test func flattenKeepsElementOrderAndRestoresTheShape() throws {
        let layer = Flatten()
        let x = Tensor(shape: [2, 2, 3, 2], scalars: (0..<24).map(Float.init))
        let y = try layer.forward(x, training: false)
        #expect(y.shape == [2, 12])
        #expect(y.scalars == x.scalars)
        #expect(try layer.backward(y).shape == [2, 2, 3, 2])
        #expect(try layer.outputShape(for: []) == [1], "a scalar sample flattens to [1], as in Keras")
    }

    @Test func flattenRejectsMissingBatchAxisAndWrongGradients() throws {
        let layer = Flatten(name: "f")
        #expect(throws: LayerError.notBuilt(layer: "f")) { try layer.backward(Tensor(zeros: [2, 6])) }
        #expect(throws: LayerError.incompatibleInput(layer: "f", expected: "a batch axis", received: [])) {
            try layer.forward(Tensor(shape: [], scalars: [1]), training: false)
        }
        _ = try layer.forward(Tensor(zeros: [2, 3, 2]), training: false)
        #expect(throws: LayerError.self) { try layer.backward(Tensor(zeros: [2, 5])) }
        #expect(throws: LayerError.self) { try layer.backward(Tensor(zeros: [3, 4])) }
        #expect(throws: LayerError.incompatibleInput(layer: "f", expected: "non-negative sizes", received: [-1, 2])) {
            try layer.outputShape(for: [-1, 2])
        }
    }
}

@Suite struct PoolingLayerTests {
    /// One image whose value at row `i` is `i` (every column and channel): pooling rows shows which
    /// rows each window covers.
    func rowIndexImage(height: Int, width: Int = 1) -> Tensor {
        Tensor(
            shape: [1, height, width, 1],
            scalars: (0..<height).flatMap { row in Array(repeating: Float(row), count: width) })
    }

    @Test func samePaddingPutsTheSmallerHalfBefore() throws {
        // n = 8, k = 3, s = 2: 4 outputs, padding 1, all of it after: windows rows 0–2, 2–4, 4–6, 6–7.
        let even = MaxPooling2D(poolSize: [3, 1], strides: [2, 1], padding: .same)
        #expect(try even.forward(rowIndexImage(height: 8), training: false).scalars == [2, 4, 6, 7])
        // n = 7, k = 3, s = 2: 4 outputs, padding 2, one row before: windows rows 0–1, 1–3, 3–5, 5–6.
        let odd = MaxPooling2D(poolSize: [3, 1], strides: [2, 1], padding: .same)
        #expect(try odd.forward(rowIndexImage(height: 7), training: false).scalars == [1, 3, 5, 6])
        // valid: floor((7 − 3) / 2) + 1 = 3 windows from row 0.
        let valid = MaxPooling2D(poolSize: [3, 1], strides: [2, 1])
        #expect(try valid.forward(rowIndexImage(height: 7), training: false).scalars == [2, 4, 6])
        #expect(try MaxPooling2D(poolSize: 2, padding: .same).outputShape(for: [7, 7, 3]) == [4, 4, 3])
        #expect(try MaxPooling2D(poolSize: 2).outputShape(for: [7, 7, 3]) == [3, 3, 3])
        #expect(try MaxPooling2D(poolSize: 5, strides: 3, padding: .same).outputShape(for: [2, 10, 1]) == [1, 4, 1])
    }

    @Test func paddedCellsNeverWin() throws {
        // All inputs negative: a padded zero (or −∞) must not appear in the output or take the gradient.
        let layer = MaxPooling2D(poolSize: 3, strides: 2, padding: .same)
        let x =
            Tensor(repeating: -5, shape: [1, 4, 4, 1])
            - Tensor(shape: [1, 4, 4, 1], scalars: (0..<16).map { Float($0) })
        let y = try layer.forward(x, training: true)
        #expect(y.shape == [1, 2, 2, 1])
        // Windows rows/columns 0–2 and 2–3 (padding 1, after): maxima at the top-left of each window.
        #expect(y.scalars == [-5, -7, -13, -15])
        let dx = try layer.backward(Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4]))
        var expected = [Float](repeating: 0, count: 16)
        expected[0] = 1
        expected[2] = 2
        expected[8] = 3
        expected[10] = 4
        #expect(dx.scalars == expected)
    }

    @Test func gradientGoesToTheFirstMaximumOnTies() throws {
        let layer = MaxPooling2D()
        let x = Tensor(repeating: 1, shape: [1, 2, 4, 2])
        _ = try layer.forward(x, training: true)
        let dx = try layer.backward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        // Channels last: the first cell of each window is (0, 0) and (0, 2), both channels.
        #expect(dx.scalars == [1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func overlappingWindowsAddTheirGradients() throws {
        let layer = MaxPooling2D(poolSize: 2, strides: 1)
        // The centre of a 3×3 image is the maximum of all four windows.
        let x = Tensor(shape: [1, 3, 3, 1], scalars: [0, 0, 0, 0, 9, 0, 0, 0, 0])
        #expect(try layer.forward(x, training: true).scalars == [9, 9, 9, 9])
        let dx = try layer.backward(Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4]))
        #expect(dx.scalars == [0, 0, 0, 0, 10, 0, 0, 0, 0])
    }

    /// Max pooling written out plainly: every window, every channel, first maximum on ties.
    func referencePool(_ x: Tensor, pool: [Int], strides: [Int], padding: Padding, upstream: (Tensor) -> Tensor)
        -> (output: Tensor, inputGradient: Tensor)
    {
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        func axis(_ n: Int, _ k: Int, _ s: Int) -> (Int, Int) {
            if padding == .valid { return ((n - k) / s + 1, 0) }
            let out = (n + s - 1) / s
            return (out, Swift.max((out - 1) * s + k - n, 0) / 2)
        }
        let (outHeight, top) = axis(height, pool[0], strides[0])
        let (outWidth, left) = axis(width, pool[1], strides[1])
        var output = Tensor(zeros: [batch, outHeight, outWidth, channels])
        var winners: [Int] = []
        for b in 0..<batch {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for ch in 0..<channels {
                        var best = -Float.infinity
                        var winner = -1
                        for y in (oy * strides[0] - top)..<(oy * strides[0] - top + pool[0]) where y >= 0 && y < height
                        {
                            for column in (ox * strides[1] - left)..<(ox * strides[1] - left + pool[1])
                            where column >= 0 && column < width {
                                let index = ((b * height + y) * width + column) * channels + ch
                                if winner < 0 || x.scalars[index] > best { (best, winner) = (x.scalars[index], index) }
                            }
                        }
                        output[b, oy, ox, ch] = best
                        winners.append(winner)
                    }
                }
            }
        }
        let dy = upstream(output)
        var dx = Tensor(zeros: x.shape)
        for (i, winner) in winners.enumerated() { dx[flat: winner] += dy.scalars[i] }
        return (output, dx)
    }

    @Test(arguments: [1, 3, 4, 6, 9])
    func poolingMatchesAPlainReferenceWithTies(channels: Int) throws {
        // Small integers make ties common, in the vector (four channels) and scalar paths alike.
        var generator = SeededGenerator(seed: UInt64(channels))
        let configurations: [([Int], [Int], Padding)] = [
            ([2, 2], [2, 2], .valid), ([3, 3], [2, 2], .same), ([2, 3], [1, 2], .same),
            ([3, 2], [3, 1], .valid), ([2, 2], [1, 1], .same),
        ]
        for (pool, strides, padding) in configurations {
            for (height, width) in [(7, 7), (8, 6)] {
                let x = Tensor(
                    shape: [2, height, width, channels],
                    scalars: (0..<(2 * height * width * channels)).map { _ in
                        Float(Int.random(in: -3...3, using: &generator))
                    })
                let layer = MaxPooling2D(poolSize: pool, strides: strides, padding: padding)
                let y = try layer.forward(x, training: true)
                let upstream = Tensor.normal(shape: y.shape, using: &generator)
                let expected = referencePool(
                    x, pool: pool, strides: strides, padding: padding, upstream: { _ in upstream })
                let label = "pool \(pool) strides \(strides) \(padding) on \([height, width, channels])"
                #expect(y == expected.output, "\(label): output")
                #expect(try layer.backward(upstream) == expected.inputGradient, "\(label): ∂input")
            }
        }
    }

    @Test func poolingRejectsBadSizesAndShapes() throws {
        for (layer, argument, value) in [
            (MaxPooling2D(poolSize: [0, 2], name: "p"), "poolSize", "[0, 2]"),
            (MaxPooling2D(poolSize: [2], name: "p"), "poolSize", "[2]"),
            (MaxPooling2D(poolSize: [2, 2], strides: [2, -1], name: "p"), "strides", "[2, -1]"),
            (MaxPooling2D(poolSize: 2, strides: 0, name: "p"), "strides", "[0, 0]"),
        ] {
            #expect(
                throws: LayerError.invalidArgument(
                    layer: "p", argument: argument, value: value, expected: "two positive integers")
            ) {
                try layer.outputShape(for: [4, 4, 1])
            }
        }
        #expect(
            throws: LayerError.incompatibleInput(layer: "p", expected: "[height, width, channels]", received: [4, 4])
        ) {
            try MaxPooling2D(name: "p").outputShape(for: [4, 4])
        }
        #expect(
            throws: LayerError.incompatibleInput(
                layer: "p", expected: "spatial sizes of at least the window 3 with valid padding",
                received: [2, 5, 1])
        ) {
            try MaxPooling2D(poolSize: 3, name: "p").outputShape(for: [2, 5, 1])
        }
        #expect(try MaxPooling2D(poolSize: 3, padding: .same).outputShape(for: [2, 5, 1]) == [1, 2, 1])
        #expect(throws: LayerError.notBuilt(layer: "p")) {
            try MaxPooling2D(name: "p").backward(Tensor(zeros: [1, 1, 1, 1]))
        }
        let layer = MaxPooling2D(name: "p")
        _ = try layer.forward(Tensor(zeros: [2, 4, 4, 1]), training: true)
        #expect(throws: LayerError.self) { try layer.backward(Tensor(zeros: [2, 2, 3, 1])) }
    }

    @Test func poolingConfigurationMatchesKerasDefaults() {
        let pool = MaxPooling2D()
        #expect(pool.poolSize == [2, 2] && pool.strides == [2, 2] && pool.padding == .valid)
        let strided = MaxPooling2D(poolSize: [3, 2], strides: [1, 2], padding: .same)
        #expect(strided.poolSize == [3, 2] && strided.strides == [1, 2] && strided.padding == .same)
        #expect(MaxPooling2D(poolSize: 3).strides == [3, 3], "strides default to the pool size")
        #expect(UpSampling2D().size == [2, 2])
    }

    @Test func upSamplingRepeatsPixelsAndSumsGradients() throws {
        let layer = UpSampling2D(size: [2, 3])
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let y = try layer.forward(x, training: false)
        #expect(y.shape == [1, 2, 6, 2])
        let row: [Float] = [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]
        #expect(y.scalars == row + row)
        let dx = try layer.backward(Tensor(repeating: 1, shape: [1, 2, 6, 2]))
        #expect(dx.scalars == [6, 6, 6, 6])
    }

    @Test func upSamplingRejectsBadSizesAndShapes() throws {
        for size in [[0, 2], [2], [2, 2, 2]] {
            #expect(
                throws: LayerError.invalidArgument(
                    layer: "u", argument: "size", value: "\(size)", expected: "two positive integers")
            ) {
                try UpSampling2D(size: size, name: "u").outputShape(for: [4, 4, 1])
            }
        }
        #expect(
            throws: LayerError.incompatibleInput(layer: "u", expected: "[height, width, channels]", received: [4, 4])
        ) {
            try UpSampling2D(name: "u").outputShape(for: [4, 4])
        }
        #expect(throws: LayerError.notBuilt(layer: "u")) {
            try UpSampling2D(name: "u").backward(Tensor(zeros: [1, 2, 2, 1]))
        }
    }

    @Test func largeBatchesGiveTheSameResultsOnEveryThreadCount() throws {
        // Above the threading threshold, bands of samples run concurrently: results must not change.
        let x = distinctValues([16, 28, 28, 4], seed: 9)
        let generator = SeededGenerator(seed: 10)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        func run(threads: Int) throws -> [Tensor] {
            Parallel.threadCount = threads
            let pool = MaxPooling2D(poolSize: 3, strides: 2, padding: .same)
            let up = UpSampling2D()
            let pooled = try pool.forward(x, training: true)
            var g = generator
            let dPool = try pool.backward(Tensor.normal(shape: pooled.shape, using: &g))
            let upsampled = try up.forward(x, training: true)
            let dUp = try up.backward(Tensor.normal(shape: upsampled.shape, using: &g))
            return [pooled, dPool, upsampled, dUp]
        }
        let serial = try run(threads: 1)
        let parallel = try run(threads: 4)
        #expect(serial == parallel)
    }
}

@Suite struct DropoutTests {
    func built(_ rate: Float, seed: UInt64 = 1) throws -> Dropout {
        let layer = Dropout(rate: rate)
        var generator = SeededGenerator(seed: seed)
        try layer.build(inputShape: [100], using: &generator)
        return layer
    }

    /// Values in [1, 2): never zero, so zeros in the output are dropped elements.
    func positiveInput(_ shape: [Int], seed: UInt64 = 2) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape: shape, limit: 0.5, using: &generator) + 1.5
    }

    @Test func inferenceIsTheIdentity() throws {
        let layer = try built(0.5)
        let x = positiveInput([8, 100])
        #expect(try layer.forward(x, training: false) == x)
        #expect(try layer(x) == x)
        let g = positiveInput([8, 100], seed: 3)
        #expect(try layer.backward(g) == g)
    }

    @Test(arguments: [Float(0.1), 0.3, 0.5, 0.8])
    func trainingDropsAboutRateAndScalesSurvivors(rate: Float) throws {
        let layer = try built(rate)
        let x = positiveInput([1000, 100])
        let y = try layer.forward(x, training: true)
        #expect(y.shape == x.shape)
        let zeros = y.scalars.filter { $0 == 0 }.count
        let fraction = Double(zeros) / Double(y.count)
        // σ = √(rate(1 − rate)/10⁵) ≤ 0.0016: 0.01 is more than six of them.
        #expect(Swift.abs(fraction - Double(rate)) < 0.01, "dropped \(fraction), rate \(rate)")
        let keep: Float = 1 - rate
        let wrongSurvivors = zip(y.scalars, x.scalars).filter { output, input in output != 0 && output != input / keep }
            .count
        #expect(wrongSurvivors == 0, "survivors are exactly x / (1 − rate)")
        // Backward applies the same mask and scale.
        let g = positiveInput([1000, 100], seed: 4)
        let dx = try layer.backward(g)
        let expected = zip(y.scalars, g.scalars).map { $0 == 0 ? 0 : $1 / keep }
        #expect(dx.scalars == expected)
    }

    @Test func sameSeedGivesTheSameMasks() throws {
        let x = positiveInput([64, 100])
        let a = try built(0.4, seed: 7)
        let b = try built(0.4, seed: 7)
        let c = try built(0.4, seed: 8)
        let first = try a.forward(x, training: true)
        #expect(try b.forward(x, training: true) == first)
        #expect(try c.forward(x, training: true) != first, "another seed draws another mask")
        #expect(try a.forward(x, training: true) != first, "every batch draws a new mask")
        // Odd element counts use half of the last 64-bit draw.
        let odd = positiveInput([3, 7])
        #expect(
            try built(0.4, seed: 7).forward(odd, training: true) == built(0.4, seed: 7).forward(odd, training: true))
    }

    @Test func modelSeedSeedsTheMasks() throws {
        func model(seed: UInt64) throws -> Sequential {
            try Sequential(inputShape: [50], seed: seed) { Dropout(rate: 0.5) }
        }
        let x = positiveInput([20, 50])
        let first = try model(seed: 3).forward(x, training: true)
        #expect(try model(seed: 3).forward(x, training: true) == first)
        #expect(try model(seed: 4).forward(x, training: true) != first)
    }

    @Test func rateZeroIsTheIdentityWhileTraining() throws {
        let layer = try built(0)
        let x = positiveInput([4, 100])
        #expect(try layer.forward(x, training: true) == x)
        #expect(try layer.backward(x) == x)
    }

    @Test(arguments: [Float(1), -0.1, 1.5, .nan])
    func rateOutsideZeroToOneIsRejected(rate: Float) throws {
        #expect(
            throws: LayerError.invalidArgument(
                layer: "dropout", argument: "rate", value: "\(rate)", expected: "a probability in [0, 1)")
        ) {
            try Sequential(inputShape: [4]) { Dropout(rate: rate) }
        }
        let layer = Dropout(rate: rate, name: "d")
        var generator = SeededGenerator(seed: 0)
        #expect(throws: LayerError.self) { try layer.build(inputShape: [4], using: &generator) }
        #expect(throws: LayerError.self) { try layer.forward(Tensor(zeros: [1, 4]), training: false) }
    }

    @Test func trainingBeforeBuildAndBackwardBeforeForwardThrow() throws {
        let layer = Dropout(rate: 0.5, name: "d")
        #expect(throws: LayerError.notBuilt(layer: "d")) { try layer.forward(Tensor(zeros: [1, 4]), training: true) }
        #expect(throws: LayerError.notBuilt(layer: "d")) { try layer.backward(Tensor(zeros: [1, 4])) }
        let trained = try built(0.5)
        _ = try trained.forward(Tensor(zeros: [2, 100]), training: true)
        #expect(throws: LayerError.self) { try trained.backward(Tensor(zeros: [3, 100])) }
    }

    @Test func sequentialWithDropoutTrainsReproducibly() throws {
        func train() throws -> (History, [Tensor]) {
            let model = try Sequential(inputShape: [6], seed: 11) {
                Dense(units: 16, activation: .relu)
                Dropout(rate: 0.25)
                Dense(units: 6)
            }
            model.compile(optimizer: Adam(learningRate: 1e-2), loss: .meanSquaredError)
            var generator = SeededGenerator(seed: 12)
            let x = Tensor.uniform(shape: [128, 6], limit: 1, using: &generator)
            let history = try model.fit(x, x, epochs: 8, batchSize: 16, verbose: .silent)
            return (history, model.parameters.map(\.value))
        }
        let (history, weights) = try train()
        #expect(history.loss.last! < history.loss.first!, "\(history.loss)")
        let (again, sameWeights) = try train()
        #expect(again.loss == history.loss)
        #expect(sameWeights == weights)
    }
}
