import Foundation
import RareEventKit

/// The two Fashion-MNIST parts of TensorFlow's autoencoder tutorial (REFERENCE.md): a basic dense
/// autoencoder, and a convolutional autoencoder that removes noise. Pixels are divided by 255; the
/// denoiser learns `clip(x + noise·N(0, 1), 0, 1)` → `x`; Adam with Keras' defaults, MSE, shuffled
/// batches, validation on the test images.
public struct FashionMNISTExperiment {
    /// Which of the tutorial's models to train.
    public enum ModelKind: String, Sendable {
        /// Flatten → Dense 64 relu → Dense 784 sigmoid → Reshape.
        case basic
        /// The convolutional encoder/decoder trained on noisy images.
        case denoise
    }

    /// Where the images come from.
    public enum DataSource: Sendable {
        /// A folder with the four official gzip IDX files.
        case folder(URL)
        /// Built-in synthetic 28×28 images (shapes and stripes).
        case synthetic(train: Int, test: Int)
    }

    /// The model (`--model`).
    public var model: ModelKind = .basic
    /// The data (`--data`); synthetic when no folder is given or found.
    public var data: DataSource = .synthetic(train: 2_000, test: 500)
    /// Training epochs (the tutorial's 10).
    public var epochs = 10
    /// Batch size (Keras' default, 32).
    public var batchSize = 32
    /// The standard deviation of the Gaussian noise added for the denoiser (0.2).
    public var noise: Float = 0.2
    /// Seeds weights, shuffling and noise.
    public var seed: UInt64 = 0
    /// How `fit` reports progress.
    public var verbosity: Verbosity = .progressBar
    /// Where the model, `training.csv`, `loss.svg` and `reconstructions.png` go; `nil` writes nothing.
    public var output: URL?
    /// Where progress text goes, one line per call (``Console`` by default).
    public var log: (String) -> Void = Console.line
    /// Where the training progress bar goes (raw text); the same unbuffered standard output as ``log``
    /// by default, so a pipe keeps the order of the lines.
    public var progress: (String) -> Void = Console.write

    /// Creates the experiment with the tutorial's settings.
    public init() {}

    /// The folder Debian's `dataset-fashion-mnist` package installs.
    public static let systemDataFolder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// What a run produced.
    public struct Result {
        /// Losses per epoch.
        public var history: History
        /// The last epoch's validation loss.
        public var validationLoss: Float
        /// Wall-clock seconds per training epoch.
        public var secondsPerEpoch: Double
    }

    /// The two files of the official four that the experiment reads (the labels are not needed).
    public static let imageFiles = ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"]

    /// Runs the experiment.
    ///
    /// - Throws: ``ExperimentError`` when the output folder is not writable (checked first, before any
    ///   work); the library's errors for unreadable or malformed image files.
    public func run() throws -> Result {
        try RunOutput.using(output) { try run(writingTo: $0) }
    }

    private func run(writingTo runOutput: RunOutput?) throws -> Result {
        let (train, test, description) = try loadImages()
        log("data: \(description)")
        let shape = model == .denoise ? [28, 28, 1] : [28, 28]
        let cleanTrain = train.reshaped(to: [train.batchSize] + shape)
        let cleanTest = test.reshaped(to: [test.batchSize] + shape)
        var generator = SeededGenerator(seed: seed &+ 1_000)
        let (inputTrain, inputTest) =
            model == .denoise
            ? (
                cleanTrain.addingGaussianNoise(standardDeviation: noise, using: &generator),
                cleanTest.addingGaussianNoise(standardDeviation: noise, using: &generator)
            )
            : (cleanTrain, cleanTest)

        let network =
            model == .denoise
            ? try DenoisingAutoencoder.make(imageShape: shape, seed: seed)
            : try BasicImageAutoencoder.make(imageShape: shape, seed: seed)
        network.compile(optimizer: Adam(), loss: .meanSquaredError)
        if verbosity != .silent {
            log(network.summary(name: model == .denoise ? "denoise" : "autoencoder"))
            for case let subModel as Sequential in network.layers { log(subModel.summary()) }
        }
        var callbacks: [any Callback] = runOutput.map { [$0.trainingLog] } ?? []
        if let logger = progressLogger(
            verbosity, epochs: epochs, samples: inputTrain.batchSize,
            batchSize: batchSize, write: progress)
        {
            callbacks.append(logger)
        }
        let start = ContinuousClock.now
        let history = try network.fit(
            inputTrain, cleanTrain, epochs: epochs, batchSize: batchSize,
            validationData: (inputTest, cleanTest), verbose: .silent, callbacks: callbacks)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18

        if let runOutput {
            try network.save(to: runOutput.folder.appendingPathComponent("model"))
            try Chart.lossCurve(
                loss: history.loss.map(Double.init), validationLoss: history.validationLoss.map(Double.init)
            )
            .write(to: runOutput.folder.appendingPathComponent("loss.svg"))
            try reconstructionGrid(network, clean: cleanTest, input: inputTest)
                .write(to: runOutput.folder.appendingPathComponent("reconstructions.png"))
            log("wrote the model, training.csv, loss.svg and reconstructions.png to \(runOutput.folder.path)")
        }
        return Result(
            history: history, validationLoss: history.validationLoss.last ?? .nan,
            secondsPerEpoch: seconds / Double(Swift.max(1, history.epochs.count)))
    }

    /// The tutorial's figure: the first 10 test images, their noisy versions (denoiser), and the reconstructions.
    func reconstructionGrid(_ network: Sequential, clean: Tensor, input: Tensor) throws -> ImageGrid {
        let count = Swift.min(10, clean.batchSize)
        let reconstructed = try network.predict(input.slicingBatch(0..<count))
        var grid = ImageGrid(imageWidth: 28, imageHeight: 28, margin: 2, scale: 2)
        var rows = [clean.slicingBatch(0..<count)]
        if model == .denoise { rows.append(input.slicingBatch(0..<count)) }
        rows.append(reconstructed)
        for row in rows { try grid.addRow(concatenated: row.scalars) }
        return grid
    }

    private func loadImages() throws -> (train: Tensor, test: Tensor, description: String) {
        switch data {
        case let .folder(folder):
            let train = try IDXFile(contentsOf: folder.appendingPathComponent(Self.imageFiles[0]))
            let test = try IDXFile(contentsOf: folder.appendingPathComponent(Self.imageFiles[1]))
            for (name, file) in zip(Self.imageFiles, [train, test])
            where file.shape.count != 3 || file.shape[0] < 1 || file.shape[1] != 28 || file.shape[2] != 28 {
                throw ExperimentError.unexpectedData(
                    file: folder.appendingPathComponent(name).path,
                    expected: "28×28 images", found: "shape \(file.shape)")
            }
            return (
                train.tensor(), test.tensor(),
                "\(folder.path) (\(train.shape[0]) training and \(test.shape[0]) test images, 28×28)"
            )
        case let .synthetic(trainCount, testCount):
            return (
                Self.syntheticImages(count: trainCount, seed: 60_000),
                Self.syntheticImages(count: testCount, seed: 10_000),
                "built-in synthetic images (\(trainCount) training, \(testCount) test, 28×28); "
                    + "pass --data DIR for Fashion-MNIST's four .gz files"
            )
        }
    }

    /// Rectangles, discs and stripes of random size, place and brightness on a dark background.
    public static func syntheticImages(count: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var pixels = [Float](repeating: 0, count: count * 784)
        for image in 0..<count {
            let kind = Int(generator.next() % 3)
            let brightness = 0.4 + 0.6 * generator.unitFloat()
            let cx = 8 + 12 * generator.unitFloat()
            let cy = 8 + 12 * generator.unitFloat()
            let size = 4 + 6 * generator.unitFloat()
            for y in 0..<28 {
                for x in 0..<28 {
                    let dx = Float(x) - cx
                    let dy = Float(y) - cy
                    let inside =
                        switch kind {
                        case 0: Swift.abs(dx) < size && Swift.abs(dy) < size * 0.7
                        case 1: dx * dx + dy * dy < size * size
                        default: Swift.abs(dy) < size && (x / 3) % 2 == 0
                        }
                    if inside { pixels[image * 784 + y * 28 + x] = brightness }
                }
            }
        }
        return Tensor(shape: [count, 28, 28], scalars: pixels)
    }
}

extension FashionMNISTExperiment: CommandLineProgram {
    /// The options of `fashion-mnist` (and its `--help`).
    public static let commandLine = CommandLineOptions(
        command: "fashion-mnist",
        summary: "Trains the autoencoder tutorial's basic or denoising image autoencoder on Fashion-MNIST.",
        options: [
            .init("model", value: "basic|denoise", default: "basic", help: "Which autoencoder to train."),
            .init(
                "data", value: "DIR",
                help: "Folder with the Fashion-MNIST .gz files "
                    + "(default: \(systemDataFolder.path) if present, else built-in synthetic images)."),
            .init("epochs", value: "N", default: "10", help: "Training epochs (1 to 1,000,000)."),
            .init("batch-size", value: "N", default: "32", help: "Batch size (1 to 1,000,000)."),
            .init("noise", value: "STD", default: "0.2", help: "Noise factor of the denoiser's inputs (finite, ≥ 0)."),
            .init("seed", value: "N", default: "0", help: "Seed of weights, shuffling and noise."),
            .init(
                "output", value: "DIR", default: "fashion-mnist-output",
                help: "Where the model, log, chart and image grid go."),
            .init(flag: "quiet", help: "No progress bar."),
        ])

    /// The experiment a `fashion-mnist` command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` for an unknown option, a value out of range or not a
    ///   finite number, a `--data` path that is not a folder holding ``imageFiles``, an `--output` that is
    ///   a file.
    public static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> FashionMNISTExperiment {
        var options = commandLine
        try options.parse(arguments)
        var experiment = FashionMNISTExperiment()
        experiment.model = try options.value("model", as: "basic or denoise") { ModelKind(rawValue: $0) } ?? .basic
        let expected = "a folder with Fashion-MNIST's \(imageFiles.joined(separator: " and "))"
        if let folder = try options.folder("data", expected: expected, containing: imageFiles) {
            experiment.data = .folder(folder)
        } else if imageFiles.allSatisfy({
            FileManager.default.isReadableFile(atPath: systemDataFolder.appendingPathComponent($0).path)
        }) {
            experiment.data = .folder(systemDataFolder)
        }
        experiment.epochs = try options.integer("epochs", in: 1...SheetBreakExperiment.maximumCount) ?? 10
        experiment.batchSize = try options.integer("batch-size", in: 1...SheetBreakExperiment.maximumCount) ?? 32
        experiment.noise = try options.number("noise", .nonNegative, as: Float.self) ?? 0.2
        experiment.seed = try options.seed("seed") ?? 0
        experiment.output = try options.outputFolder("output")
        experiment.verbosity = options.flag("quiet") ? .silent : .progressBar
        return experiment
    }
}
