import ExampleSupport
import Foundation
import RareEventKit

// ECG5000 anomaly detection as in TensorFlow's autoencoder tutorial. `swift run -c release ecg --help`.

var options = CommandLineOptions(
    command: "ecg",
    summary: "Trains a dense autoencoder on normal heartbeats and flags abnormal ones (ECG5000).",
    options: [
        .init("data", value: "PATH", help: "ecg.csv (default: built-in synthetic heartbeats)."),
        .init("epochs", value: "N", default: "20", help: "Training epochs."),
        .init("batch-size", value: "N", default: "512", help: "Batch size."),
        .init("learning-rate", value: "LR", default: "0.001", help: "Adam learning rate."),
        .init("std", value: "K", default: "1", help: "Threshold = mean + K·std of the training errors."),
        .init("seed", value: "N", default: "21", help: "Seed of weight initialization and shuffling."),
        .init("output", value: "DIR", default: "ecg-output", help: "Where the model, log and charts go."),
        .init(flag: "quiet", help: "No progress bar."),
    ])
options.parseOrExit()

var experiment = ECGExperiment()
if let url = options.readableFile("data") { experiment.data = .file(url) }
experiment.epochs = options.value("epochs", as: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }!
experiment.batchSize = options.value("batch-size", as: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }!
experiment.learningRate = options.value("learning-rate", as: "a positive number") { Float($0).flatMap { $0 > 0 ? $0 : nil } }!
experiment.standardDeviations = options.value("std", as: "a number") { Double($0) }!
experiment.seed = options.value("seed", as: "a non-negative integer") { UInt64($0) }!
experiment.output = URL(fileURLWithPath: options.string("output")!)
experiment.verbosity = options.flag("quiet") ? .silent : .progressBar

CommandLineOptions.runOrExit { _ = try experiment.run() }
