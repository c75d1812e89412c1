import Foundation
import Layers
import Tensor
import Testing

// GaussianNoise: N(0, stddev²) noise while training from the model's seeded generator, identity in inference.
@Suite struct GaussianNoiseTests {
    @Test func passesTheKit() {
        // The noise is random while training: the gradient check runs in inference mode, as for Dropout.
        let report = LayerTest.run(
            GaussianNoise(stddev: 0.3), inputShape: [5, 4], expectedOutputShape: [5, 4], expectedParameterCount: 0,
            seed: 5, gradientCheckInTraining: false)
        #expect(report.passed, "\(report)")
        #expect(LayerRegistry.isRegistered("GaussianNoise"))
    }

    @Test func addsNoiseOfTheGivenDeviationOnlyWhileTraining() throws {
        let model = try Sequential(inputShape: [100], seed: 3) { GaussianNoise(stddev: 0.5) }
        let x = Tensor(repeating: 2, shape: [200, 100])
        #expect(try model.forward(x, training: false) == x)
        #expect(try model.predict(x) == x)
        let noisy = try model.forward(x, training: true)
        let noise = (noisy - x).scalars.map(Double.init)
        let mean = noise.reduce(0, +) / Double(noise.count)
        let deviation = (noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(noise.count)).squareRoot()
        #expect(Swift.abs(mean) < 0.01, "mean \(mean)")
        #expect(Swift.abs(deviation - 0.5) < 0.01, "standard deviation \(deviation)")
        // Each training call draws new noise; the gradient passes through unchanged.
        #expect(try model.forward(x, training: true) != noisy)
        let upstream = Tensor(repeating: 0.25, shape: [200, 100])
        #expect(try model.backward(upstream) == upstream)
    }

    @Test func theModelSeedFixesTheNoise() throws {
        func noise(seed: UInt64) throws -> Tensor {
            let model = try Sequential(inputShape: [3, 4], seed: seed) {
                Dense(units: 4)
                GaussianNoise(stddev: 0.2)
            }
            return try model.forward(Tensor(zeros: [2, 3, 4]), training: true)
        }
        #expect(try noise(seed: 11) == noise(seed: 11))
        #expect(try noise(seed: 11) != noise(seed: 12))
    }

    @Test func zeroDeviationIsTheIdentityAndTrainingRuns() throws {
        let layer = GaussianNoise(stddev: 0)
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: [3], using: &generator)
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(try layer.forward(x, training: true) == x)

        let model = try Sequential(inputShape: [4], seed: 1) {
            GaussianNoise(stddev: 0.1)
            Dense(units: 4)
        }
        model.compile(optimizer: Adam(learningRate: 1e-2), loss: .meanSquaredError)
        let data = Tensor.normal(shape: [32, 4], using: &generator)
        let history = try model.fit(data, data, epochs: 5, batchSize: 8, verbose: .silent)
        let losses = history["loss"]
        try #require(losses.count == 5)
        #expect(losses.last! < losses.first!)
    }

    @Test func rejectsBadDeviationsAndUnbuiltUse() throws {
        for stddev: Float in [-0.1, .nan, .infinity] {
            #expect(
                throws: LayerError.invalidArgument(
                    layer: "noise", argument: "stddev", value: "\(stddev)", expected: "a finite number ≥ 0")
            ) {
                try Sequential(inputShape: [3]) { GaussianNoise(stddev: stddev, name: "noise") }
            }
        }
        #expect(throws: LayerError.notBuilt(layer: "noise")) {
            try GaussianNoise(stddev: 0.1, name: "noise").forward(Tensor(zeros: [2, 3]), training: true)
        }
        #expect(throws: LayerError.notBuilt(layer: "noise")) {
            try GaussianNoise(stddev: 0.1, name: "noise").backward(Tensor(zeros: [2, 3]))
        }
        let layer = GaussianNoise(stddev: 0.1, name: "noise")
        _ = try layer.forward(Tensor(zeros: [2, 3]), training: false)
        #expect(
            throws: LayerError.incompatibleInput(layer: "noise", expected: "a gradient of shape [3]", received: [4])
        ) {
            try layer.backward(Tensor(zeros: [2, 4]))
        }
    }
}
