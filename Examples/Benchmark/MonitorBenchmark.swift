import Foundation
import RareEventKit

/// Live monitoring with the seed LSTM autoencoder (5 × 59, 25,243 parameters): the latency of one row
/// of one stream (goal < 10 µs) and the rows per second when 1,000 streams each deliver a row per tick
/// and the monitor scores all their windows in one batched forward pass (goal ≥ 200,000 rows/s).
enum MonitorBenchmark {
    static func run() throws {
        let (features, lookback) = (59, 5)
        let model = try LSTMAutoencoder.make(timesteps: lookback, features: features, activation: .relu, seed: 1)
        var generator = SeededGenerator(seed: 2)
        let training = Tensor(
            shape: [1_000, features], scalars: (0..<(1_000 * features)).map { _ in generator.normal() })
        var scaler = StandardScaler()
        try scaler.fit(training)
        let detector = try DeployedDetector(
            RareEventDetector(model: model, threshold: 1), columns: (1...features).map { "x\($0)" },
            scaling: .standard(scaler), lookback: lookback)
        let rows = (0..<256).map { _ in (0..<features).map { _ in generator.normal() } }
        print(
            "monitor (seed LSTM autoencoder, lookback \(lookback), \(features) sensors, \(Parallel.threadCount) threads)"
        )

        // One stream, one row at a time.
        let single = StreamingMonitor(detector: detector)
        for row in rows { _ = try single.push(row, stream: "line") }
        var best = Double.infinity
        for _ in 0..<5 {
            let count = 4_000
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<count { _ = try single.push(rows[i & 255], stream: "line") }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(count))
        }
        print(
            String(
                format: "  single stream: %.1f µs per row (best of 5 runs of 4,000 rows; goal < 10 µs)", best / 1_000))

        // 1,000 streams, one row each per tick, scored in one batched pass per tick.
        let streams = 1_000
        let names = (0..<streams).map { "stream-\($0)" }
        let many = StreamingMonitor(detector: detector)
        let ticks = (0..<8).map { tick in names.indices.map { s in (stream: names[s], row: rows[(s * 7 + tick) & 255]) }
        }
        for tick in ticks { _ = try many.push(tick) }  // fill the windows
        var bestRate = 0.0
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for tick in ticks { _ = try many.push(tick) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            bestRate = max(bestRate, Double(streams * ticks.count) / seconds)
        }
        print(
            String(
                format: "  %d streams: %.0f rows/s (best of 5 runs of %d ticks; goal ≥ 200,000 rows/s)",
                streams, bestRate, ticks.count))

        // The model's forward pass alone, for scale: the monitor's own work is the difference.
        for batch in [1, streams] {
            let input = Tensor(zeros: [batch, lookback, features])
            var fastest = Double.infinity
            for _ in 0..<5 {
                let repeats = batch == 1 ? 4_000 : 8
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repeats { _ = try model.forward(input, training: false) }
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(repeats))
            }
            print(
                String(
                    format: "  model forward alone, batch %d: %.1f µs (%.1f µs per window)", batch, fastest / 1_000,
                    fastest / 1_000 / Double(batch)))
        }
    }
}
