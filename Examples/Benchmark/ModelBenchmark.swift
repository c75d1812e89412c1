import Foundation
import RareEventKit

/// Training and inference speed of the reference models on synthetic data of the reference sizes.
enum ModelBenchmark {
    struct Workload {
        var name: String
        var makeModel: () throws -> Sequential
        var sampleShape: [Int]
        var samples: Int
        var batchSize: Int
        var loss: any Loss
        /// Multiply-adds of one sample's forward pass, for GFLOP/s (training ≈ 3× forward).
        var forwardFLOPs: Double
        /// Samples of the batched-inference pass (`scripts/bench_reference.py` uses the same counts: the
        /// training set, or the tutorial's 10,000 test images for the image models).
        var inferenceSamples: Int? = nil
    }

    static var workloads: [Workload] {
        [
            Workload(
                name: "LSTM autoencoder (5×59, 25,243 params)",
                makeModel: { try LSTMAutoencoder.make(timesteps: 5, features: 59, activation: .relu, seed: 1) },
                sampleShape: [5, 59], samples: 11_691, batchSize: 64, loss: MeanSquaredError(),
                forwardFLOPs: recurrentFLOPs(gates: 4, layers: [(59, 32), (32, 16), (16, 16), (16, 32)])),
            Workload(
                name: "LSTM tanh autoencoder (5×59, 25,243 params; Keras' default activation)",
                makeModel: { try LSTMAutoencoder.make(timesteps: 5, features: 59, activation: .tanh, seed: 1) },
                sampleShape: [5, 59], samples: 11_691, batchSize: 64, loss: MeanSquaredError(),
                forwardFLOPs: recurrentFLOPs(gates: 4, layers: [(59, 32), (32, 16), (16, 16), (16, 32)])),
            Workload(
                name: "GRU autoencoder (5×59, 19,707 params)",
                makeModel: { try RecurrentAutoencoder.make(cell: .gru, timesteps: 5, features: 59, seed: 1) },
                sampleShape: [5, 59], samples: 11_691, batchSize: 64, loss: MeanSquaredError(),
                forwardFLOPs: recurrentFLOPs(gates: 3, layers: [(59, 32), (32, 16), (16, 16), (16, 32)])),
            Workload(
                name: "Bidirectional LSTM autoencoder (5×59, 20,123 params)",
                makeModel: {
                    try RecurrentAutoencoder.make(
                        cell: .lstm, timesteps: 5, features: 59, encoderUnits: [16, 8], bidirectional: true, seed: 1)
                },
                sampleShape: [5, 59], samples: 11_691, batchSize: 64, loss: MeanSquaredError(),
                forwardFLOPs: recurrentFLOPs(gates: 4, layers: [(59, 16), (32, 8), (16, 8), (16, 16)], directions: 2)),
            Workload(
                name: "Conv1D autoencoder (5×59, 14,539 params)",
                makeModel: { try Conv1DAutoencoder.make(timesteps: 5, features: 59, seed: 1) },
                sampleShape: [5, 59], samples: 11_691, batchSize: 64, loss: MeanSquaredError(),
                forwardFLOPs: 2 * 5 * 3 * Double(59 * 32 + 32 * 16 + 16 * 32 + 32 * 59)),
            Workload(
                name: "Dense autoencoder (59, 5,211 params)",
                makeModel: { try DenseAutoencoder.make(features: 59, seed: 1) },
                sampleShape: [59], samples: 11_695, batchSize: 128, loss: MeanSquaredError(),
                forwardFLOPs: 2 * Double(59 * 32 + 32 * 16 + 16 * 16 + 16 * 32 + 32 * 59)),
            Workload(
                name: "ECG autoencoder (140, 10,484 params)",
                makeModel: { try ECGAutoencoder.make(seed: 1) },
                sampleShape: [140], samples: 2_359, batchSize: 512, loss: MeanAbsoluteError(),
                forwardFLOPs: 2 * Double(140 * 32 + 32 * 16 + 16 * 8 + 8 * 16 + 16 * 32 + 32 * 140)),
            Workload(
                name: "Denoising conv autoencoder (28×28×1, 3,217 params)",
                makeModel: { try DenoisingAutoencoder.make(seed: 1) },
                sampleShape: [28, 28, 1], samples: 60_000, batchSize: 32, loss: MeanSquaredError(),
                forwardFLOPs: 2
                    * Double(14 * 14 * 16 * 9 + 7 * 7 * 8 * 144 + 7 * 7 * 8 * 72 + 14 * 14 * 8 * 144 + 28 * 28 * 144),
                inferenceSamples: 10_000),
            Workload(
                name: "Basic image autoencoder (28×28, 101,200 params)",
                makeModel: { try BasicImageAutoencoder.make(seed: 1) },
                sampleShape: [28, 28], samples: 60_000, batchSize: 32, loss: MeanSquaredError(),
                forwardFLOPs: 2 * Double(784 * 64 + 64 * 784), inferenceSamples: 10_000),
        ]
    }

    /// Batch sizes tried for batched inference; the best is reported.
    static let inferenceBatchSizes = [128, 256, 512, 1024]

    /// 2·(input + recurrent) multiply-adds per gate and step for each recurrent layer `(inputs, units)`
    /// of a 5-step window (times `directions`), plus the output Dense (32 → 59 per step).
    static func recurrentFLOPs(gates: Int, layers: [(inputs: Int, units: Int)], directions: Int = 1) -> Double {
        let recurrent = layers.reduce(0.0) { $0 + 2 * 5 * Double(gates * $1.units * ($1.inputs + $1.units)) }
        return Double(directions) * recurrent + 2 * 5 * Double(32 * 59)
    }

    /// Runs the workloads whose name starts with one of `only` (all when empty, e.g. `["Dense"]`).
    static func run(epochs: Int, only: [String] = []) throws {
        print(
            "== Models (release build, \(Parallel.threadCount) threads, \(epochs) timed epochs each, median reported; "
                + "SIMD path \(MatrixKernels.simdWidth == 0 ? "portable" : "\(MatrixKernels.simdWidth)-bit"), REK_ISA to force another)"
        )
        for workload in workloads
        where only.isEmpty || only.contains(where: { workload.name.lowercased().hasPrefix($0) }) {
            let model = try workload.makeModel()
            model.compile(optimizer: Adam(), loss: workload.loss)
            var generator = SeededGenerator(seed: 3)
            let x = Tensor.normal(shape: [workload.samples] + workload.sampleShape, using: &generator)
            _ = try model.fit(
                x.slicingBatch(0..<workload.batchSize * 2), x.slicingBatch(0..<workload.batchSize * 2),
                epochs: 1, batchSize: workload.batchSize, verbose: .silent)  // warm-up
            var epochTimes: [Double] = []
            for _ in 0..<epochs {
                let start = ContinuousClock.now
                _ = try model.fit(x, x, epochs: 1, batchSize: workload.batchSize, verbose: .silent)
                epochTimes.append(Benchmarking.seconds(since: start))
            }
            let epoch = Benchmarking.median(epochTimes)
            let trainFLOPs = 3 * workload.forwardFLOPs * Double(workload.samples)

            // Batched inference at the batch size that suits this library best (PyTorch's script does the same).
            let inferenceSamples = workload.inferenceSamples ?? workload.samples
            let inferenceInput = x.slicingBatch(0..<inferenceSamples)
            var best = (samplesPerSecond: 0.0, batchSize: 0)
            for batchSize in inferenceBatchSizes {
                var times: [Double] = []
                for _ in 0..<3 {
                    let start = ContinuousClock.now
                    _ = try model.predict(inferenceInput, batchSize: batchSize)
                    times.append(Benchmarking.seconds(since: start))
                }
                let rate = Double(inferenceSamples) / Benchmarking.median(times)
                if rate > best.samplesPerSecond { best = (rate, batchSize) }
            }

            let single = x.slicingBatch(0..<1)
            var latencies: [Double] = []
            for _ in 0..<200 {
                let start = ContinuousClock.now
                _ = try model.predict(single, batchSize: 1)
                latencies.append(Benchmarking.seconds(since: start))
            }
            print(workload.name)
            print(
                String(
                    format: "  epoch (%d samples, batch %d): %.4f s   %.2f GFLOP/s",
                    workload.samples, workload.batchSize, epoch, trainFLOPs / epoch / 1e9))
            print(
                String(
                    format:
                        "  inference%@: %.0f samples/s (best batch %d)   single-sample latency: %.1f µs (median of 200)",
                    inferenceSamples == workload.samples ? "" : " (\(inferenceSamples) samples)",
                    best.samplesPerSecond, best.batchSize, Benchmarking.median(latencies) * 1e6))
        }
        print(String(format: "peak RSS: %.1f MB", Benchmarking.peakResidentMegabytes()))
    }
}

/// Timing helpers shared by the benchmark sections.
enum Benchmarking {
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let duration = ContinuousClock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// The process's peak resident set size (VmHWM on Linux).
    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
