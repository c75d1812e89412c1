import Foundation
import RareEventKit

/// Forward and backward time of each layer of the tutorial's denoising autoencoder on one training
/// batch (32 images), to see where a convolutional epoch goes.
enum LayerBenchmark {
    static func run(batchSize: Int = 32, repeats: Int = 100) throws {
        print(
            "== Layers of the denoising autoencoder (batch \(batchSize), median of \(repeats); "
                + "\(Parallel.threadCount) threads, SIMD path \(MatrixKernels.simdWidth == 0 ? "portable" : "\(MatrixKernels.simdWidth)-bit"))"
        )
        let model = try DenoisingAutoencoder.make(seed: 1)
        var generator = SeededGenerator(seed: 2)
        var activations = Tensor.uniform(shape: [batchSize, 28, 28, 1], limit: 1, using: &generator).map { abs($0) }
        var total = (forward: 0.0, backward: 0.0)
        for case let subModel as Sequential in model.layers {
            for layer in subModel.layers {
                let input = activations
                var forwardTimes: [Double] = []
                var backwardTimes: [Double] = []
                var output = try layer.forward(input, training: true)
                let upstream = Tensor.normal(shape: output.shape, using: &generator)
                for _ in 0..<repeats {
                    var start = ContinuousClock.now
                    output = try layer.forward(input, training: true)
                    forwardTimes.append(Benchmarking.seconds(since: start))
                    start = ContinuousClock.now
                    _ = try layer.backward(upstream)
                    backwardTimes.append(Benchmarking.seconds(since: start))
                }
                let (forward, backward) = (Benchmarking.median(forwardTimes), Benchmarking.median(backwardTimes))
                total = (total.forward + forward, total.backward + backward)
                print(
                    String(
                        format: "  %@ %@ → %@: forward %.3f ms, backward %.3f ms",
                        layer.name.padding(toLength: 20, withPad: " ", startingAt: 0),
                        "\(Array(input.shape.dropFirst()))", "\(Array(output.shape.dropFirst()))",
                        forward * 1e3, backward * 1e3))
                activations = output
            }
        }
        print(
            String(
                format: "  all layers: forward %.3f ms, backward %.3f ms per batch (%.1f s per 1,875-batch epoch)",
                total.forward * 1e3, total.backward * 1e3, (total.forward + total.backward) * 1_875))
    }
}
