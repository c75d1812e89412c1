import Foundation
import RareEventKit

/// The paper-mill sheet-break experiment of the reference articles (REFERENCE.md), end to end:
/// curve shift, (windows,) the two-level sklearn split, scaling fitted on normal training samples,
/// the dense or LSTM autoencoder trained on normal data, a threshold, and the test evaluation.
public struct SheetBreakExperiment {
    /// Which autoencoder to train.
    public enum ModelKind: String, Sendable, CaseIterable {
        /// One row per sample, the dense autoencoder.
        case dense
        /// Windows of `lookback` rows, the LSTM autoencoder.
        case lstm
    }

    /// Where the data comes from.
    public enum DataSource: Sendable {
        /// The real CSV (`sheet-break.csv`).
        case file(URL)
        /// The built-in synthetic series with rare events.
        case synthetic(rows: Int)
    }

    /// The autoencoder to train (`--model`).
    public var model: ModelKind = .lstm
    /// The data (`--data`; synthetic by default).
    public var data: DataSource = .synthetic(rows: 6_000)
    /// Training epochs; `nil` for the article default (200).
    public var epochs: Int?
    /// Batch size; `nil` for the article default (128 dense, 64 LSTM).
    public var batchSize: Int?
    /// Adam learning rate; `nil` for the article default (1e-3 dense, 1e-4 LSTM).
    public var learningRate: Float?
    /// The curve shift (negative: label the rows before a break).
    public var shift = -2
    /// The LSTM window length.
    public var lookback = 5
    /// The LSTM layers' activation.
    public var activation: Activation = .relu
    /// Early stopping on `val_loss` with this patience (restoring the best weights); `nil` for none.
    public var earlyStoppingPatience: Int?
    /// The alarm threshold rule; `nil` for the article's fixed value.
    public var threshold: ThresholdRule?
    /// Seeds weight initialization and shuffling.
    public var seed: UInt64 = 123
    /// scikit-learn `random_state` of both splits (123 in the articles).
    public var splitRandomState: UInt32 = 123
    /// How `fit` reports progress.
    public var verbosity: Verbosity = .progressBar
    /// Where the model, `training.csv` and charts are written; `nil` writes nothing.
    public var output: URL?
    /// Where progress text goes (the example prints; tests stay quiet).
    public var log: (String) -> Void = { print($0) }

    /// Creates an experiment with the articles' defaults (see the `resolved…` properties).
    public init() {}

    /// Defaults of the reference articles: dense 200 epochs, batch 128, Adam 1e-3, threshold 0.4;
    /// LSTM 200 epochs, batch 64, Adam 1e-4, threshold 0.3.
    public var resolvedEpochs: Int { epochs ?? 200 }
    /// The batch size used.
    public var resolvedBatchSize: Int { batchSize ?? (model == .dense ? 128 : 64) }
    /// The learning rate used.
    public var resolvedLearningRate: Float { learningRate ?? (model == .dense ? 1e-3 : 1e-4) }
    /// The threshold rule used.
    public var resolvedThreshold: ThresholdRule { threshold ?? .fixed(model == .dense ? 0.4 : 0.3) }

    /// What a run produced.
    public struct Result {
        /// Which data was used.
        public var dataDescription: String
        /// Samples in the train, validation and test splits.
        public var splitSizes: (train: Int, valid: Int, test: Int)
        /// Normal (label 0) training samples the model was fitted on.
        public var normalTrainingSamples: Int
        /// Loss per epoch.
        public var history: History
        /// The trained autoencoder.
        public var model: Sequential
        /// Figures on the whole validation split.
        public var validation: DetectionReport
        /// Figures on the test split.
        public var test: DetectionReport
        /// Mean wall-clock seconds per training epoch.
        public var secondsPerEpoch: Double
    }

    /// Runs the experiment.
    public func run() throws -> Result {
        // Rows and labels after the curve shift.
        let (features, labels, description) = try loadShifted()
        log("data: \(description)")
        log("curve shift \(shift): \(labels.count) rows, \(labels.filter { $0 == 1 }.count) positive")

        // Samples: rows (dense) or windows (LSTM).
        var samples = features, sampleLabels = labels
        if model == .lstm {
            (samples, sampleLabels) = try temporalize(features, labels: labels, lookback: lookback)
            log("temporalize lookback \(lookback): \(samples.shape[0]) windows")
        }
        let outer = try trainTestSplit(count: sampleLabels.count, testSize: 0.2, randomState: splitRandomState)
        let inner = try trainTestSplit(count: outer.train.count, testSize: 0.2, randomState: splitRandomState)
        let trainRows = inner.train.map { outer.train[$0] }, validRows = inner.test.map { outer.train[$0] }
        let testRows = outer.test
        log("split: train \(trainRows.count), valid \(validRows.count), test \(testRows.count)")

        let normalTrain = trainRows.filter { sampleLabels[$0] == 0 }
        let normalValid = validRows.filter { sampleLabels[$0] == 0 }
        // Fit on normal training samples only (the last row of each window for the LSTM, as the
        // reference), then scale everything once; keeping one copy of the data keeps the peak memory low.
        var scaler = StandardScaler()
        try scaler.fit((model == .lstm ? try flatten(samples) : samples).gatheringBatch(normalTrain))
        samples = try scaler.transform(samples)
        func scaled(_ rows: [Int]) -> Tensor { samples.gatheringBatch(rows) }
        let x = scaled(normalTrain), validX = scaled(normalValid)
        log("training on \(normalTrain.count) normal samples, validating on \(normalValid.count)")

        let autoencoder = model == .lstm
            ? try LSTMAutoencoder.make(timesteps: lookback, features: features.shape[1], activation: activation, seed: seed)
            : try DenseAutoencoder.make(features: features.shape[1], seed: seed)
        autoencoder.compile(optimizer: Adam(learningRate: resolvedLearningRate), loss: .meanSquaredError)
        if verbosity != .silent { log(autoencoder.summary()) }

        var callbacks: [any Callback] = []
        if let patience = earlyStoppingPatience {
            callbacks.append(EarlyStopping(monitor: "val_loss", patience: patience, restoreBestWeights: true))
        }
        let runOutput = try output.map(RunOutput.init)
        if let runOutput { callbacks.append(runOutput.trainingLog) }
        let start = Date()
        let history = try autoencoder.fit(x, x, epochs: resolvedEpochs, batchSize: resolvedBatchSize,
                                          validationData: (validX, validX), shuffle: true, verbose: verbosity,
                                          callbacks: callbacks)
        let secondsPerEpoch = Date().timeIntervalSince(start) / Double(Swift.max(1, history.epochs.count))

        var detector = RareEventDetector(model: autoencoder, error: .meanSquared, windowScoring: .lastTimestep)
        let allValid = (scaled(validRows), validRows.map { sampleLabels[$0] })
        try detector.calibrate(resolvedThreshold, validation: allValid, normalTraining: x)
        let validation = try detector.evaluate(allValid.0, labels: allValid.1)
        let test = try detector.evaluate(scaled(testRows), labels: testRows.map { sampleLabels[$0] })
        log("threshold (\(resolvedThreshold)): \(detector.threshold)")
        log("validation ROC AUC \(String(format: "%.3f", validation.rocAUC))")
        log("test:\n\(test)")

        if let runOutput {
            try runOutput.write(model: autoencoder, history: history, test: test, classNames: ["normal", "break"], charts: [
                ("precision-recall-threshold.svg", Chart.precisionRecallVersusThreshold(validation.precisionRecallCurve)),
                ("reconstruction-error.svg",
                 Chart.reconstructionErrors(test.scores, labels: test.labels, threshold: test.threshold, scale: .logarithmic)),
            ])
            log("wrote the model, training.csv and charts to \(runOutput.folder.path)")
        }
        return Result(dataDescription: description, splitSizes: (trainRows.count, validRows.count, testRows.count),
                      normalTrainingSamples: normalTrain.count, history: history, model: autoencoder,
                      validation: validation, test: test, secondsPerEpoch: secondsPerEpoch)
    }

    private func loadShifted() throws -> (Tensor, [Int], String) {
        switch data {
        case let .file(url):
            let table = try Table(contentsOfCSV: url, types: .numeric(except: ["time"]))
            let shifted = try table.curveShifted(label: "y", by: shift)
            let labels = try shifted.numbers("y").map { Int($0) }
            let features = try shifted.dropping(["time", "y", "x28", "x61"]).tensor()
            return (features, labels, "\(url.path) (\(table.rowCount) rows × \(table.columnNames.count) columns)")
        case let .synthetic(rows):
            let synthetic = SyntheticRareEvents.make(rows: rows, features: 59, seed: 7)
            let shifted = try curveShift(synthetic.labels, by: shift)
            return (synthetic.features.gatheringBatch(shifted.keptRows), shifted.labels,
                    "built-in synthetic rare-event series (\(rows) rows × 59 sensors); pass --data PATH for the real sheet-break.csv")
        }
    }
}
