import Foundation
import RareEventKit

/// ECG5000 anomaly detection as in TensorFlow's autoencoder tutorial (REFERENCE.md): split 80/20
/// (random state 21), global min-max scaling with the training split's range, a dense autoencoder
/// trained on normal rhythms with MAE, threshold = mean + 1 std of the training errors, and accuracy,
/// precision and recall with *normal* as the positive class.
public struct ECGExperiment {
    /// Where the data comes from.
    public enum DataSource: Sendable {
        /// `ecg.csv`: 140 signal columns and a label column (1 = normal), no header.
        case file(URL)
        /// Built-in synthetic heartbeats.
        case synthetic(rows: Int)
    }

    /// The data (`--data`; synthetic by default).
    public var data: DataSource = .synthetic(rows: 5_000)
    /// Training epochs (the tutorial's 20).
    public var epochs = 20
    /// Batch size (the tutorial's 512).
    public var batchSize = 512
    /// Adam learning rate (Keras default).
    public var learningRate: Float = 1e-3
    /// Seeds weight initialization and shuffling.
    public var seed: UInt64 = 21
    /// scikit-learn `random_state` of the split (21 in the tutorial).
    public var splitRandomState: UInt32 = 21
    /// Threshold = mean + this many standard deviations of the training errors.
    public var standardDeviations = 1.0
    /// How `fit` reports progress.
    public var verbosity: Verbosity = .progressBar
    /// Where the model, `training.csv` and charts are written; `nil` writes nothing.
    public var output: URL?
    /// Where progress text goes, one line per call (``Console`` by default).
    public var log: (String) -> Void = Console.line
    /// Where the training progress bar goes (raw text); the same unbuffered standard output as ``log``
    /// by default, so a pipe keeps the order of the lines.
    public var progress: (String) -> Void = Console.write

    /// Creates the experiment with the tutorial's settings.
    public init() {}

    /// What a run produced; the confusion matrix has *normal* as the positive class, like the tutorial.
    public struct Result {
        /// Loss per epoch.
        public var history: History
        /// The threshold chosen.
        public var threshold: Float
        /// Test counts with *normal* as the positive class.
        public var normalPositive: ConfusionMatrix
        /// Test accuracy.
        public var accuracy: Double { normalPositive.accuracy }
        /// Test precision of "normal".
        public var precision: Double { normalPositive.precision }
        /// Test recall of "normal".
        public var recall: Double { normalPositive.recall }
    }

    /// Runs the experiment.
    ///
    /// - Throws: ``ExperimentError`` when the output folder is not writable (checked first), the file is
    ///   not ECG5000-like (numbers, a 0/1 label column last, some normal beats to train on) or the
    ///   threshold is not finite; the library's errors otherwise.
    public func run() throws -> Result {
        try RunOutput.using(output) { try run(writingTo: $0) }
    }

    private func run(writingTo runOutput: RunOutput?) throws -> Result {
        let (signals, normal, columns, description) = try load()
        log("data: \(description)")
        let split = try trainTestSplit(count: normal.count, testSize: 0.2, randomState: splitRandomState)
        var scaler = GlobalMinMaxScaler()
        let train = try scaler.fitTransform(signals.gatheringBatch(split.train))
        let test = try scaler.transform(signals.gatheringBatch(split.test))
        let trainNormal = train.gatheringBatch(split.train.indices.filter { normal[split.train[$0]] })
        log("split: train \(split.train.count) (\(trainNormal.shape[0]) normal), test \(split.test.count)")
        guard trainNormal.shape[0] > 0 else {
            throw ExperimentError.unexpectedData(
                file: dataName, expected: "normal heartbeats (label 1) in the training split",
                found: "none among \(split.train.count)")
        }

        let model = try ECGAutoencoder.make(features: signals.shape[1], seed: seed)
        model.compile(optimizer: Adam(learningRate: learningRate), loss: .meanAbsoluteError)
        if verbosity != .silent { log(model.summary()) }
        var callbacks: [any Callback] = []
        if let runOutput { callbacks.append(runOutput.trainingLog) }
        if let logger = progressLogger(
            verbosity, epochs: epochs, samples: trainNormal.shape[0],
            batchSize: batchSize, write: progress)
        {
            callbacks.append(logger)
        }
        let history = try model.fit(
            trainNormal, trainNormal, epochs: epochs, batchSize: batchSize,
            validationData: (test, test), verbose: .silent, callbacks: callbacks)

        var detector = RareEventDetector(model: model, error: .meanAbsolute)
        let threshold = try detector.calibrate(
            .meanPlusStandardDeviations(standardDeviations), normalTraining: trainNormal)
        guard threshold.isFinite else {
            throw ExperimentError.invalidSetting(
                option: "std", value: "\(standardDeviations)",
                expected: "a number that keeps mean + K·std finite (got threshold \(threshold))")
        }
        let anomalyLabels = split.test.map { normal[$0] ? 0 : 1 }
        let report = try detector.evaluate(test, labels: anomalyLabels)
        let matrix = report.confusionMatrix.swappingClasses
        log("threshold (mean + \(standardDeviations)·std of training MAE): \(threshold)")
        log(
            String(
                format: "accuracy %.4f  precision %.4f  recall %.4f  (normal = positive class)",
                matrix.accuracy, matrix.precision, matrix.recall))

        if let runOutput {
            let scores = report.scores
            let histogram = Chart.errorHistogram(
                normal: scores.indices.filter { anomalyLabels[$0] == 0 }.map { scores[$0] },
                anomalous: scores.indices.filter { anomalyLabels[$0] == 1 }.map { scores[$0] },
                threshold: threshold)
            try runOutput.write(
                model: model, history: history, test: report, classNames: ["normal", "abnormal"],
                charts: [("error-histogram.svg", histogram)])
            try runOutput.write(
                detector: try DeployedDetector(
                    detector, columns: columns, scaling: .globalMinMax(scaler),
                    thresholdRule: .meanPlusStandardDeviations(standardDeviations)))
            log("wrote the model, detector, training.csv and charts to \(runOutput.folder.path)")
        }
        return Result(history: history, threshold: threshold, normalPositive: matrix)
    }

    /// The signals, whether each beat is normal, the signal column names and a description of the data.
    private func load() throws -> (Tensor, [Bool], [String], String) {
        switch data {
        case let .file(url):
            let table = try Table(contentsOfCSV: url, format: CSVFormat(hasHeader: false), types: .allNumeric)
            guard table.columnNames.count >= 2, let labelColumn = table.columnNames.last, table.rowCount >= 2 else {
                throw ExperimentError.unexpectedData(
                    file: url.path, expected: "ECG5000 rows: signal columns, then a 0/1 label",
                    found: "\(table.rowCount) rows × \(table.columnNames.count) columns")
            }
            let labels = try table.numbers(labelColumn)
            if let row = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw ExperimentError.unexpectedData(
                    file: url.path, expected: "a 0/1 label (1 = normal) in the last column",
                    found: "\(labels[row]) in row \(row + 1)")
            }
            let signalTable = try table.dropping([labelColumn])
            let signals = try signalTable.tensor()
            if let (row, column) = firstNonFinite(signals) {
                throw ExperimentError.unexpectedData(
                    file: url.path, expected: "finite numbers",
                    found: "\(signals.withUnsafeBufferPointer { $0[row * signals.shape[1] + column] }) "
                        + "in row \(row + 1), column \(column + 1)")
            }
            return (
                signals, labels.map { $0 == 1 }, signalTable.columnNames,
                "\(url.path) (\(table.rowCount) heartbeats × \(signals.shape[1]) samples)"
            )
        case let .synthetic(rows):
            let (signals, normal) = Self.syntheticHeartbeats(rows: rows)
            return (
                signals, normal, (1...signals.shape[1]).map { "t\($0)" },
                "built-in synthetic heartbeats (\(rows) × 140); pass --data PATH for the real ecg.csv"
            )
        }
    }

    /// The data's name in messages.
    private var dataName: String {
        switch data {
        case let .file(url): url.path
        case .synthetic: "the synthetic data"
        }
    }

    /// Normal beats share one smooth shape with small jitter; abnormal ones (about 40%, as in ECG5000)
    /// are distorted, shifted or widened.
    static func syntheticHeartbeats(rows: Int, length: Int = 140) -> (Tensor, [Bool]) {
        var generator = SeededGenerator(seed: 5_000)
        var values = [Float](repeating: 0, count: rows * length)
        var normal = [Bool](repeating: true, count: rows)
        for row in 0..<rows {
            normal[row] = generator.unitFloat() >= 0.4
            let shift: Float = normal[row] ? generator.normal() * 1.5 : generator.normal() * 8 + 10
            let width: Float = normal[row] ? 4 : 4 + 6 * generator.unitFloat()
            let tail: Float = normal[row] ? 1 : -1
            for t in 0..<length {
                let spikeOffset: Float = Float(t) - 40 - shift
                let waveOffset: Float = Float(t) - 90 - shift
                let spike: Float = 3 * Foundation.exp(-(spikeOffset * spikeOffset) / (2 * width * width))
                let wave: Float = 0.8 * tail * Foundation.exp(-(waveOffset * waveOffset) / 200)
                let noise: Float = 0.1 * generator.normal()
                values[row * length + t] = spike + wave - 1 + noise
            }
        }
        return (Tensor(shape: [rows, length], scalars: values), normal)
    }
}

extension ECGExperiment: CommandLineProgram {
    /// The options of `ecg` (and its `--help`).
    public static let commandLine = CommandLineOptions(
        command: "ecg",
        summary: "Trains a dense autoencoder on normal heartbeats and flags abnormal ones (ECG5000).",
        options: [
            .init("data", value: "PATH", help: "ecg.csv (default: built-in synthetic heartbeats)."),
            .init("epochs", value: "N", default: "20", help: "Training epochs (1 to 1,000,000)."),
            .init("batch-size", value: "N", default: "512", help: "Batch size (1 to 1,000,000)."),
            .init(
                "learning-rate", value: "LR", default: "0.001", help: "Adam learning rate, a finite positive number."),
            .init(
                "std", value: "K", default: "1",
                help: "Threshold = mean + K·std of the training errors (K a finite number)."),
            .init("seed", value: "N", default: "21", help: "Seed of weight initialization and shuffling."),
            .init("output", value: "DIR", default: "ecg-output", help: "Where the model, log and charts go."),
            .init(flag: "quiet", help: "No progress bar."),
        ])

    /// The experiment an `ecg` command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` for an unknown option, a value out of range or not a
    ///   finite number, a `--data` path that is not a readable file, an `--output` that is a file.
    public static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> ECGExperiment {
        var options = commandLine
        try options.parse(arguments)
        var experiment = ECGExperiment()
        if let url = try options.file("data", expected: "a CSV file") { experiment.data = .file(url) }
        experiment.epochs = try options.integer("epochs", in: 1...SheetBreakExperiment.maximumCount) ?? 20
        experiment.batchSize = try options.integer("batch-size", in: 1...SheetBreakExperiment.maximumCount) ?? 512
        experiment.learningRate = try options.number("learning-rate", .positive, as: Float.self) ?? 1e-3
        experiment.standardDeviations = try options.number("std", .any, as: Double.self) ?? 1
        experiment.seed = try options.seed("seed") ?? 21
        experiment.output = try options.outputFolder("output")
        experiment.verbosity = options.flag("quiet") ? .silent : .progressBar
        return experiment
    }
}
