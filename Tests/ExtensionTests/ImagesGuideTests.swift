// The code of Documentation/Images.md, compiled and run as another package would (keep them in step).
import Foundation
import RareEventKit
import Testing

@Suite struct ImagesGuideTests {
    @Test func guideCodeRuns() throws {
        let encoder = try Sequential(inputShape: [28, 28, 1], seed: 1, name: "encoder") {
            Conv2D(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
        }
        let decoder = try Sequential(inputShape: [7, 7, 8], seed: 2, name: "decoder") {
            Conv2DTranspose(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2DTranspose(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 1, kernelSize: 3, padding: .same, activation: .sigmoid)
        }
        let denoiser = try Sequential(inputShape: [28, 28, 1], name: "denoise") {
            encoder
            decoder
        }
        denoiser.compile(optimizer: Adam(), loss: .meanSquaredError)
        #expect(denoiser.summary().contains("encoder (Sequential)"))
        #expect(encoder.summary().contains("conv2d_1 (Conv2D)"))

        var generator = SeededGenerator(seed: 7)
        let clean = Tensor.uniform(shape: [64, 28, 28, 1], limit: 1, using: &generator).map { abs($0) }
        let noisy = clean.addingGaussianNoise(standardDeviation: 0.2, using: &generator)  // clip(x + 0.2·N(0, 1), 0, 1)
        try denoiser.fit(noisy, clean, epochs: 1, batchSize: 32, verbose: .silent)
        let codes = try encoder(noisy)
        #expect(codes.shape == [64, 7, 7, 8])
        #expect(noisy.scalars.allSatisfy { (0...1).contains($0) } && noisy != clean)
        #expect(try DenoisingAutoencoder.make(seed: 1).parameterCount == 3_217)
        #expect(try BasicImageAutoencoder.make(seed: 1).parameterCount == 101_200)
    }
}
