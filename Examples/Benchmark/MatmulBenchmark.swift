import Foundation
import RareEventKit

/// GFLOP/s of the matmul kernel on the square benchmark sizes and on the shapes the models use.
enum MatmulBenchmark {
    static func run() {
        let threads = Parallel.threadCount
        print(
            "matmul (C = A·B, median of repeats; \(threads) threads = all of this machine's, REK_NUM_THREADS to change)"
        )
        let peak = MatrixKernels.measurePeakGFLOPS()
        print(
            String(
                format: "  one core's peak (independent %d-bit FMAs, measured now): %.1f GFLOP/s",
                MatrixKernels.simdWidth, peak))
        print("  shape (m×k · k×n)          1 thread (% of peak)   \(threads) threads  (GFLOP/s)")
        let shapes = [
            (256, 256, 256), (512, 512, 512), (64, 59, 128), (64, 32, 128), (64, 16, 64), (320, 59, 128),
            (128, 59, 32), (512, 140, 32),
        ]
        var generator = SeededGenerator(seed: 1)
        for (m, k, n) in shapes {
            let a = Tensor.uniform(shape: [m, k], limit: 1, using: &generator)
            let b = Tensor.uniform(shape: [k, n], limit: 1, using: &generator)
            let flops = 2.0 * Double(m * k * n)
            let rates = [1, threads].map { count in
                Parallel.threadCount = count
                defer { Parallel.threadCount = threads }
                return flops / secondsPerProduct(a, b, flops: flops) / 1e9
            }
            let label = "\(m)×\(k) · \(k)×\(n)".padding(toLength: 26, withPad: " ", startingAt: 0)
            let percent = peak > 0 ? 100 * rates[0] / peak : 0
            print("  \(label) \(String(format: "%8.1f (%3.0f%%)          %8.1f", rates[0], percent, rates[1]))")
        }
    }

    private static func secondsPerProduct(_ a: Tensor, _ b: Tensor, flops: Double) -> Double {
        let repeats = Swift.max(3, Int(2e8 / flops))
        var times: [Double] = []
        var sink: Float = 0
        for _ in 0..<7 {
            let start = ContinuousClock.now
            for _ in 0..<repeats { sink += a.matmul(b).scalars[0] }
            times.append(Benchmarking.seconds(since: start) / Double(repeats))
        }
        return Benchmarking.median(times) + (sink.isNaN ? 1e-12 : 0)
    }
}

/// Reading the 12 MB sheet-break CSV into a typed table.
enum CSVBenchmark {
    static func run() throws {
        let candidates = ["../shared/data/sheet-break.csv", "shared/data/sheet-break.csv"]
        guard let path = candidates.first(where: FileManager.default.fileExists(atPath:)) else {
            print("csv: ../shared/data/sheet-break.csv not found, skipped")
            return
        }
        var times: [Double] = []
        var rows = 0
        for _ in 0..<5 {
            let start = ContinuousClock.now
            let table = try Table(contentsOfCSV: URL(fileURLWithPath: path), types: .numeric(except: ["time"]))
            times.append(Benchmarking.seconds(since: start))
            rows = table.rowCount
        }
        print(
            String(
                format: "csv: sheet-break.csv (%d rows × 63 columns, 12 MB) read in %.3f s (median of 5)",
                rows, Benchmarking.median(times)))
    }
}
