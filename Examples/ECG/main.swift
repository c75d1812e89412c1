import ExampleSupport
import Foundation

// ECG5000 anomaly detection as in TensorFlow's autoencoder tutorial. `swift run -c release ecg --help`;
// the option table and its checks are `ECGExperiment.commandLine` and `ECGExperiment.parse(_:)`.

let experiment = ECGExperiment.parseOrExit()
CommandLineOptions.runOrExit { _ = try experiment.run() }
