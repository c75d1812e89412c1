import ExampleSupport
import Foundation
import RareEventKit

// The paper-mill sheet-break experiment: an autoencoder trained on normal operation flags the minutes
// before a sheet break. `swift run -c release sheet-break --help` lists the options.

var options = CommandLineOptions(
    command: "sheet-break",
    summary: "Trains a dense or LSTM autoencoder on normal paper-mill data and flags sheet breaks before they happen.",
    options: [
        .init("model", value: "dense|lstm", default: "lstm", help: "Which autoencoder to train."),
        .init("data", value: "PATH", help: "The sheet-break CSV (default: a built-in synthetic data set)."),
        .init("epochs", value: "N", default: "200", help: "Training epochs."),
        .init("batch-size", value: "N", help: "Batch size (default: 128 dense, 64 LSTM)."),
        .init("learning-rate", value: "LR", help: "Adam learning rate (default: 1e-3 dense, 1e-4 LSTM)."),
        .init("shift", value: "N", default: "-2", help: "Curve shift: label the N rows before a break (negative)."),
        .init("lookback", value: "N", default: "5", help: "Window length of the LSTM autoencoder."),
        .init("activation", value: "relu|tanh", default: "relu", help: "Activation of the LSTM layers."),
        .init("early-stopping", value: "PATIENCE", help: "Stop when val_loss has not improved for PATIENCE epochs."),
        .init("threshold", value: "VALUE|pr-equal|max-f1", help: "Alarm threshold (default: 0.4 dense, 0.3 LSTM)."),
        .init("seed", value: "N", default: "123", help: "Seed of weight initialization and shuffling."),
        .init("output", value: "DIR", default: "sheet-break-output", help: "Where the model, log and charts go."),
        .init(flag: "quiet", help: "No progress bar."),
    ])
options.parseOrExit()

var experiment = SheetBreakExperiment()
experiment.model = options.value("model", as: "dense or lstm") { SheetBreakExperiment.ModelKind(rawValue: $0) }!
if let url = options.readableFile("data") { experiment.data = .file(url) }
experiment.epochs = options.value("epochs", as: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
experiment.batchSize = options.value("batch-size", as: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
experiment.learningRate = options.value("learning-rate", as: "a positive number") { Float($0).flatMap { $0 > 0 ? $0 : nil } }
experiment.shift = options.int("shift")!
experiment.lookback = options.value("lookback", as: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }!
experiment.activation = options.value("activation", as: "relu or tanh") { ["relu": Activation.relu, "tanh": .tanh][$0] }!
experiment.earlyStoppingPatience = options.value("early-stopping", as: "a non-negative integer") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
experiment.threshold = options.value("threshold", as: "a number, pr-equal or max-f1") { text in
    switch text {
    case "pr-equal": .precisionEqualsRecall
    case "max-f1": .maxF1
    default: Float(text).map { .fixed($0) }
    }
}
experiment.seed = options.value("seed", as: "a non-negative integer") { UInt64($0) }!
experiment.output = URL(fileURLWithPath: options.string("output")!)
experiment.verbosity = options.flag("quiet") ? .silent : .progressBar

CommandLineOptions.runOrExit {
    let result = try experiment.run()
    print(String(format: "%.3f s per epoch, %d epochs", result.secondsPerEpoch, result.history.epochs.count))
}
