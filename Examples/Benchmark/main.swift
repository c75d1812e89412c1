import ExampleSupport
import Foundation

// `swift run -c release benchmark [models] [matmul] [csv] [layers] [monitor] [lstm|dense|ecg|denoising|basic] [--epochs N]`
// (all sections by default; naming a model runs only that workload). `--help` lists the options.
let options = BenchmarkOptions.parseOrExit()
CommandLineOptions.runOrExit {
    if options.runs("matmul") { MatmulBenchmark.run() }
    if options.runs("csv") { try CSVBenchmark.run() }
    if options.runs("layers") { try LayerBenchmark.run() }
    if options.runs("monitor") { try MonitorBenchmark.run() }
    if options.runs("models") || !options.models.isEmpty {
        try ModelBenchmark.run(epochs: options.epochs, only: options.models)
    }
}
