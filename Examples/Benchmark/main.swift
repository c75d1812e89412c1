import Foundation

// `swift run -c release benchmark [models] [matmul] [csv] [layers] [lstm|dense|ecg|denoising|basic] [--epochs N]` (all sections by default;
// naming a model runs only that workload)
let arguments = Array(CommandLine.arguments.dropFirst())
let sections = arguments.filter { !$0.hasPrefix("--") && Int($0) == nil }
let epochs = arguments.firstIndex(of: "--epochs").flatMap { Int(arguments[safe: $0 + 1] ?? "") } ?? 5
do {
    if sections.isEmpty || sections.contains("matmul") { MatmulBenchmark.run() }
    if sections.isEmpty || sections.contains("csv") { try CSVBenchmark.run() }
    if sections.isEmpty || sections.contains("layers") { try LayerBenchmark.run() }
    let models = sections.filter { ["lstm", "dense", "ecg", "denoising", "basic"].contains($0) }
    if sections.isEmpty || sections.contains("models") || !models.isEmpty { try ModelBenchmark.run(epochs: epochs, only: models) }
} catch {
    FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
    exit(1)
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
