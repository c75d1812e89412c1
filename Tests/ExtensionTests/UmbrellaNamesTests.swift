// The umbrella module exports the GaussianNoise layer (Layers) and the data function
// Tensor.addingGaussianNoise (Preprocessing) side by side without a clash.
import RareEventKit
import Testing

@Suite struct UmbrellaNamesTests {
    @Test func gaussianNoiseLayerAndDataFunctionCoexist() throws {
        var generator = SeededGenerator(seed: 1)
        let images = Tensor(repeating: 0.5, shape: [2, 4, 4, 1])
        let noisy = images.addingGaussianNoise(standardDeviation: 0.2, using: &generator)
        let model = try Sequential(inputShape: [4, 4, 1], seed: 2) { GaussianNoise(stddev: 0.2) }
        #expect(try model.predict(noisy) == noisy)
        #expect(try model.forward(images, training: true) != images)
        #expect(model.layers.first?.typeName == GaussianNoise.typeName)
    }
}
