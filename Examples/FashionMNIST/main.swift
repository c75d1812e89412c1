import ExampleSupport
import Foundation
import RareEventKit

// The Fashion-MNIST parts of TensorFlow's autoencoder tutorial: a basic autoencoder and a denoising
// convolutional one. `swift run -c release fashion-mnist --help` lists the options.

var options = CommandLineOptions(
    command: "fashion-mnist",
    summary: "Trains the autoencoder tutorial's basic or denoising image autoencoder on Fashion-MNIST.",
    options: [
        .init("model", value: "basic|denoise", default: "basic", help: "Which autoencoder to train."),
        .init("data", value: "DIR", help: "Folder with the four Fashion-MNIST .gz files "
            + "(default: \(FashionMNISTExperiment.systemDataFolder.path) if present, else built-in synthetic images)."),
        .init("epochs", value: "N", default: "10", help: "Training epochs."),
        .init("batch-size", value: "N", default: "32", help: "Batch size."),
        .init("noise", value: "STD", default: "0.2", help: "Noise factor of the denoiser's inputs."),
        .init("seed", value: "N", default: "0", help: "Seed of weights, shuffling and noise."),
        .init("output", value: "DIR", default: "fashion-mnist-output", help: "Where the model, log, chart and image grid go."),
        .init(flag: "quiet", help: "No progress bar."),
    ])
options.parseOrExit()

var experiment = FashionMNISTExperiment()
experiment.model = options.value("model", as: "basic or denoise") { FashionMNISTExperiment.ModelKind(rawValue: $0) }!
if let folder = options.value("data", as: "an existing folder", { path -> URL? in
    var isFolder: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue ? URL(fileURLWithPath: path) : nil
}) {
    experiment.data = .folder(folder)
} else if FileManager.default.fileExists(atPath: FashionMNISTExperiment.systemDataFolder.path) {
    experiment.data = .folder(FashionMNISTExperiment.systemDataFolder)
}
experiment.epochs = options.value("epochs", as: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }!
experiment.batchSize = options.value("batch-size", as: "a positive integer") { Int($0).flatMap { $0 > 0 ? $0 : nil } }!
experiment.noise = options.value("noise", as: "a non-negative number") { Float($0).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } }!
experiment.seed = options.value("seed", as: "a non-negative integer") { UInt64($0) }!
experiment.output = URL(fileURLWithPath: options.string("output")!)
experiment.verbosity = options.flag("quiet") ? .silent : .progressBar

CommandLineOptions.runOrExit {
    let result = try experiment.run()
    print(String(format: "%.2f s per epoch, %d epochs", result.secondsPerEpoch, result.history.epochs.count))
    print("val_loss \(result.validationLoss)")
}
