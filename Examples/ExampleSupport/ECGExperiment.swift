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
    /// Where progress text goes.
    public var log: (String) -> Void = { print($0) }

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
    public func run() throws -> Result {
        let (signals, normal, description) = try load()
        log("data: \(description)")
        let split = try trainTestSplit(count: normal.count, testSize: 0.2, randomState: splitRandomState)
        var scaler = GlobalMinMaxScaler()
        let train = try scaler.fitTransform(signals.gatheringBatch(split.train))
        let test = try scaler.transform(signals.gatheringBatch(split.test))
        let trainNormal = train.gatheringBatch(split.train.indices.filter { normal[split.train[$0]] })
        log("split: train \(split.train.count) (\(trainNormal.shape[0]) normal), test \(split.test.count)")

        let model = try ECGAutoencoder.make(features: signals.shape[1], seed: seed)
        model.compile(optimizer: Adam(learningRate: learningRate), loss: .meanAbsoluteError)
        if verbosity != .silent { log(model.summary()) }
        var callbacks: [any Callback] = []
        let runOutput = try output.map(RunOutput.init)
        if let runOutput { callbacks.append(runOutput.trainingLog) }
        let history = try model.fit(trainNormal, trainNormal, epochs: epochs, batchSize: batchSize,
                                    validationData: (test, test), verbose: verbosity, callbacks: callbacks)

        var detector = RareEventDetector(model: model, error: .meanAbsolute)
        let threshold = try detector.calibrate(.meanPlusStandardDeviations(standardDeviations), normalTraining: trainNormal)
        let anomalyLabels = split.test.map { normal[$0] ? 0 : 1 }
        let report = try detector.evaluate(test, labels: anomalyLabels)
        let matrix = report.confusionMatrix.swappingClasses
        log("threshold (mean + \(standardDeviations)·std of training MAE): \(threshold)")
        log(String(format: "accuracy %.4f  precision %.4f  recall %.4f  (normal = positive class)",
                   matrix.accuracy, matrix.precision, matrix.recall))

        if let runOutput {
            let scores = report.scores
            let histogram = Chart.errorHistogram(normal: scores.indices.filter { anomalyLabels[$0] == 0 }.map { scores[$0] },
                                                 anomalous: scores.indices.filter { anomalyLabels[$0] == 1 }.map { scores[$0] },
                                                 threshold: threshold)
            try runOutput.write(model: model, history: history, test: report, classNames: ["normal", "abnormal"],
                                charts: [("error-histogram.svg", histogram)])
            log("wrote the model, training.csv and charts to \(runOutput.folder.path)")
        }
        return Result(history: history, threshold: threshold, normalPositive: matrix)
    }

    private func load() throws -> (Tensor, [Bool], String) {
        switch data {
        case let .file(url):
            let table = try Table(contentsOfCSV: url, format: CSVFormat(hasHeader: false), types: .allNumeric)
            let labelColumn = table.columnNames.last!
            let labels = try table.numbers(labelColumn)
            let signals = try table.dropping([labelColumn]).tensor()
            return (signals, labels.map { $0 == 1 }, "\(url.path) (\(table.rowCount) heartbeats × \(signals.shape[1]) samples)")
        case let .synthetic(rows):
            let (signals, normal) = Self.syntheticHeartbeats(rows: rows)
            return (signals, normal, "built-in synthetic heartbeats (\(rows) × 140); pass --data PATH for the real ecg.csv")
        }
    }

    /// Normal beats share one smooth shape with small jitter; abnormal ones (about 40%, as in ECG5000)
    /// are distorted, shifted or widened.
    static func syntheticHeartbeats(rows: Int, length: Int = 140) -> (Tensor, [Bool]) {
        var generator = SeededGenerator(seed: 5_000)
        var values = [Float](repeating: 0, count: rows * length), normal = [Bool](repeating: true, count: rows)
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
