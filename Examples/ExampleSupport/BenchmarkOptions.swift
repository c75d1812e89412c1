import Foundation

/// What the `benchmark` program runs: its sections (all when none is named) and the timed epochs per model.
public struct BenchmarkOptions: CommandLineProgram, Equatable {
    /// The sections named on the command line, in order; empty runs all.
    public var sections: [String] = []
    /// Timed epochs per model workload.
    public var epochs = 5

    /// The section words: whole sections, then single model workloads.
    public static let sectionNames = ["models", "matmul", "csv", "layers", "monitor"]
    /// Words that run one model workload (the start of its name, lowercased).
    public static let modelNames = ["lstm", "gru", "bidirectional", "conv1d", "dense", "ecg", "denoising", "basic"]

    /// All sections with the default epochs.
    public init() {}

    /// Whether `section` runs (every section does when none is named).
    public func runs(_ section: String) -> Bool { sections.isEmpty || sections.contains(section) }

    /// The model workloads named (empty: all of them, when the models run at all).
    public var models: [String] { sections.filter(Self.modelNames.contains) }

    /// The options of `benchmark` (and its `--help`).
    public static let commandLine = CommandLineOptions(
        command: "benchmark",
        summary:
            "Times matrix products, CSV reading, the denoiser's layers and the reference models (use a release build).",
        options: [.init("epochs", value: "N", default: "5", help: "Timed epochs per model (1 to 1,000).")],
        positionals: .init(
            "section", accepted: sectionNames + modelNames,
            help: "Sections to run: \(sectionNames.joined(separator: ", ")), or one model: "
                + "\(modelNames.joined(separator: ", ")) (default: all)."))

    /// The run a `benchmark` command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` for an unknown section or option, or epochs out of range.
    public static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> BenchmarkOptions {
        var options = commandLine
        try options.parse(arguments)
        var result = BenchmarkOptions()
        result.sections = options.words
        result.epochs = try options.integer("epochs", in: 1...1_000) ?? 5
        return result
    }
}
