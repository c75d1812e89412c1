import ExampleSupport
import Foundation

// The Fashion-MNIST parts of TensorFlow's autoencoder tutorial: a basic autoencoder and a denoising
// convolutional one. `swift run -c release fashion-mnist --help` lists the options; the option table and
// its checks are `FashionMNISTExperiment.commandLine` and `FashionMNISTExperiment.parse(_:)`.

let experiment = FashionMNISTExperiment.parseOrExit()
CommandLineOptions.runOrExit {
    let result = try experiment.run()
    Console.line(String(format: "%.2f s per epoch, %d epochs", result.secondsPerEpoch, result.history.epochs.count))
    Console.line("val_loss \(result.validationLoss)")
}
