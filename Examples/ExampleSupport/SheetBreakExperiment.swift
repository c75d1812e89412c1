internal import FileFormats
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
        /// The LSTM autoencoder's shape with GRU layers.
        case gru
        /// Windows through "same" 1-D convolutions (``Conv1DAutoencoder``).
        case conv1d
        /// The LSTM autoencoder's shape with bidirectional LSTMs of half the units per direction (as wide).
        case bilstm

        /// Whether the model reads windows of `lookback` rows (every model but the dense one).
        public var readsWindows: Bool { self != .dense }
        /// The articles' batch size: 128 for the dense model, 64 for the window models.
        public var defaultBatchSize: Int { self == .dense ? 128 : 64 }
        /// The articles' Adam learning rate: 1e-3 for the dense model, 1e-4 for the window models.
        public var defaultLearningRate: Float { self == .dense ? 1e-3 : 1e-4 }
        /// The names `--model` accepts, as an error message lists them ("dense, lstm, gru, conv1d or bilstm").
        public static var names: String {
            allCases.dropLast().map(\.rawValue).joined(separator: ", ") + " or " + allCases.last!.rawValue
        }

        /// Builds the untrained autoencoder.
        /// - Parameters:
        ///   - lookback: The window length (ignored by the dense model).
        ///   - features: The sensor columns.
        ///   - activation: The recurrent layers' activation (the dense and convolutional models use relu).
        ///   - seed: Seeds the weight initialization.
        public func makeAutoencoder(
            lookback: Int, features: Int, activation: Activation, seed: UInt64
        ) throws -> Sequential {
            switch self {
            case .dense: try DenseAutoencoder.make(features: features, seed: seed)
            case .lstm:
                try LSTMAutoencoder.make(timesteps: lookback, features: features, activation: activation, seed: seed)
            case .gru:
                try RecurrentAutoencoder.make(
                    cell: .gru, timesteps: lookback, features: features, activation: activation, seed: seed)
            case .conv1d: try Conv1DAutoencoder.make(timesteps: lookback, features: features, seed: seed)
            case .bilstm:
                try RecurrentAutoencoder.make(
                    cell: .lstm, timesteps: lookback, features: features, encoderUnits: [16, 8],
                    activation: activation, bidirectional: true, seed: seed)
            }
        }
    }

    /// How the sensor columns are scaled before they reach the model (fitted on normal training samples).
    public enum ScalingKind: String, Sendable, CaseIterable {
        /// Zero mean and unit variance per column (scikit-learn's `StandardScaler`), as the articles do.
        case standard
        /// Each column to [0, 1] (scikit-learn's `MinMaxScaler`).
        case minmax
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
    /// Batch size; `nil` for the article default (128 dense, 64 window models).
    public var batchSize: Int?
    /// Adam learning rate; `nil` for the article default (1e-3 dense, 1e-4 window models).
    public var learningRate: Float?
    /// The curve shift: −k labels the k rows before each break (the articles use −2; see
    /// ``curveShift(_:by:)``). The command line accepts only negative values; `|shift|` must be smaller
    /// than the number of rows.
    public var shift = -2
    /// The window length of the window models.
    public var lookback = 5
    /// A Keras model file (`--keras`, `.keras` or legacy `.h5`) to score with instead of training one: its
    /// input shape gives the window length (`[lookback, features]`, or `[features]` for one row).
    public var kerasModel: URL?
    /// The model loaded from ``kerasModel`` (by ``run()``).
    private var pretrained: Sequential?
    /// Whether samples are windows: the Keras model's input says so when there is one, else ``model``.
    private var readsWindows: Bool { pretrained.map { $0.inputShape.count == 2 } ?? model.readsWindows }
    /// The recurrent layers' activation.
    public var activation: Activation = .relu
    /// How the columns are scaled (`--scaling`); the articles standardise.
    public var scaling: ScalingKind = .standard
    /// Which part of a window is scored (`--score`): the last row, as the articles, or the whole window.
    public var windowScoring: RareEventDetector.WindowScoring = .lastTimestep
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
    /// Where progress text goes, one line per call (the example writes to ``Console``; tests stay quiet).
    public var log: (String) -> Void = Console.line
    /// Where the training progress bar goes (raw text, as ``ProgressLogger`` writes it); the same
    /// unbuffered standard output as ``log`` by default, so a pipe keeps the order of the lines.
    public var progress: (String) -> Void = Console.write

    /// Creates an experiment with the articles' defaults (see the `resolved…` properties).
    public init() {}

    /// Defaults of the reference articles: dense 200 epochs, batch 128, Adam 1e-3, threshold 0.4;
    /// LSTM 200 epochs, batch 64, Adam 1e-4, threshold 0.3.
    public var resolvedEpochs: Int { epochs ?? 200 }
    /// The batch size used.
    public var resolvedBatchSize: Int { batchSize ?? model.defaultBatchSize }
    /// The learning rate used.
    public var resolvedLearningRate: Float { learningRate ?? model.defaultLearningRate }
    /// The threshold rule used.
    public var resolvedThreshold: ThresholdRule { threshold ?? .fixed(readsWindows ? 0.3 : 0.4) }

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
    ///
    /// - Throws: ``ExperimentError`` when the output folder is not writable (checked first, before any
    ///   work), the file lacks the sheet-break columns or holds non-finite values, or a setting does not
    ///   fit the data; the library's errors otherwise.
    public func run() throws -> Result {
        var experiment = self
        if let kerasModel {
            let loaded = try Sequential(kerasFile: kerasModel)
            guard (1...2).contains(loaded.inputShape.count) else {
                throw ExperimentError.invalidSetting(
                    option: "keras", value: kerasModel.path,
                    expected: "a model of rows [features] or windows [lookback, features], not \(loaded.inputShape)")
            }
            experiment.pretrained = loaded
            if loaded.inputShape.count == 2 { experiment.lookback = loaded.inputShape[0] }
        }
        return try RunOutput.using(output) { try experiment.run(writingTo: $0) }
    }

    private func run(writingTo runOutput: RunOutput?) throws -> Result {
        // Rows and labels after the curve shift.
        let (features, labels, columns, description) = try loadShifted()
        log("data: \(description)")
        log("curve shift \(shift): \(labels.count) rows, \(labels.filter { $0 == 1 }.count) positive")

        // Samples: rows (dense) or windows (LSTM).
        var samples = features
        var sampleLabels = labels
        if readsWindows {
            try Self.checkWindows(rows: features.shape[0], features: features.shape[1], lookback: lookback)
            (samples, sampleLabels) = try temporalize(features, labels: labels, lookback: lookback)
            log("temporalize lookback \(lookback): \(samples.shape[0]) windows")
        }
        let outer = try trainTestSplit(count: sampleLabels.count, testSize: 0.2, randomState: splitRandomState)
        let inner = try trainTestSplit(count: outer.train.count, testSize: 0.2, randomState: splitRandomState)
        let trainRows = inner.train.map { outer.train[$0] }
        let validRows = inner.test.map { outer.train[$0] }
        let testRows = outer.test
        log("split: train \(trainRows.count), valid \(validRows.count), test \(testRows.count)")

        let normalTrain = trainRows.filter { sampleLabels[$0] == 0 }
        let normalValid = validRows.filter { sampleLabels[$0] == 0 }
        guard !normalTrain.isEmpty, !normalValid.isEmpty else {
            throw ExperimentError.unexpectedData(
                file: dataName, expected: "normal (y = 0) samples in the training and validation splits",
                found: "\(normalTrain.count) and \(normalValid.count)")
        }
        // Fit on normal training samples only (the last row of each window for the LSTM, as the
        // reference), then scale everything once; keeping one copy of the data keeps the peak memory low.
        let fitted = (readsWindows ? try flatten(samples) : samples).gatheringBatch(normalTrain)
        let scaler: DeployedDetector.Scaling
        switch scaling {
        case .standard:
            var standard = StandardScaler()
            try standard.fit(fitted)
            scaler = .standard(standard)
        case .minmax:
            var minMax = MinMaxScaler()
            try minMax.fit(fitted)
            scaler = .minMax(minMax)
        }
        samples = try scaler.scaler?.transform(samples) ?? samples
        func scaled(_ rows: [Int]) -> Tensor { samples.gatheringBatch(rows) }
        let x = scaled(normalTrain)
        let validX = scaled(normalValid)
        log("training on \(normalTrain.count) normal samples, validating on \(normalValid.count)")

        let autoencoder: Sequential
        let history: History
        let secondsPerEpoch: Double
        if let pretrained {
            guard pretrained.inputShape.last == features.shape[1] else {
                throw ExperimentError.invalidSetting(
                    option: "keras", value: kerasModel?.path ?? "",
                    expected: "a model of \(features.shape[1]) features per row, not input \(pretrained.inputShape)")
            }
            log("scoring with the Keras model \(kerasModel?.lastPathComponent ?? ""), not training one")
            if verbosity != .silent { log(pretrained.summary()) }
            (autoencoder, history, secondsPerEpoch) = (pretrained, History(), 0)
        } else {
            autoencoder = try model.makeAutoencoder(
                lookback: lookback, features: features.shape[1], activation: activation, seed: seed)
            (history, secondsPerEpoch) = try train(
                autoencoder, x, validX, samples: normalTrain.count, writingTo: runOutput)
        }

        var detector = RareEventDetector(model: autoencoder, error: .meanSquared, windowScoring: windowScoring)
        let allValid = (scaled(validRows), validRows.map { sampleLabels[$0] })
        try detector.calibrate(resolvedThreshold, validation: allValid, normalTraining: x)
        let validation = try detector.evaluate(allValid.0, labels: allValid.1)
        let test = try detector.evaluate(scaled(testRows), labels: testRows.map { sampleLabels[$0] })
        log("threshold (\(resolvedThreshold)): \(detector.threshold)")
        log(
            "validation ROC AUC \(String(format: "%.4f", validation.rocAUC))  "
                + "AP \(String(format: "%.4f", validation.averagePrecision))")
        log("test:\n\(test)")

        if let runOutput {
            try runOutput.write(
                model: autoencoder, history: history, test: test, classNames: ["normal", "break"],
                charts: [
                    (
                        "precision-recall-threshold.svg",
                        Chart.precisionRecallVersusThreshold(validation.precisionRecallCurve)
                    ),
                    (
                        "reconstruction-error.svg",
                        Chart.reconstructionErrors(
                            test.scores, labels: test.labels, threshold: test.threshold, scale: .logarithmic)
                    ),
                ])
            let deployed = try DeployedDetector(
                detector, columns: columns, scaling: scaler,
                lookback: readsWindows ? lookback : 1, thresholdRule: resolvedThreshold)
            try runOutput.write(detector: deployed)
            log(
                "wrote the model, detector, \(pretrained == nil ? "training.csv and " : "")charts to \(runOutput.folder.path)"
            )
        }
        return Result(
            dataDescription: description, splitSizes: (trainRows.count, validRows.count, testRows.count),
            normalTrainingSamples: normalTrain.count, history: history, model: autoencoder,
            validation: validation, test: test, secondsPerEpoch: secondsPerEpoch)
    }

    /// The data's name in messages.
    private var dataName: String {
        switch data {
        case let .file(url): url.path
        case .synthetic: "the synthetic data"
        }
    }

    /// `|shift|` must be smaller than the number of rows (a longer shift labels every row).
    private func checkShift(rows: Int) throws {
        guard shift < 0, shift.magnitude < UInt(Swift.max(rows, 1)) else {
            throw ExperimentError.invalidSetting(
                option: "shift", value: "\(shift)",
                expected: "a negative integer down to -\(Swift.max(rows - 1, 1)) (the data has \(rows) rows)")
        }
    }

    /// Trains `autoencoder` on normal windows `x` (validated on `validX`): the articles' optimizer,
    /// loss, epochs and batch size, early stopping when asked.
    private func train(
        _ autoencoder: Sequential, _ x: Tensor, _ validX: Tensor, samples: Int, writingTo runOutput: RunOutput?
    ) throws -> (History, secondsPerEpoch: Double) {
        autoencoder.compile(optimizer: Adam(learningRate: resolvedLearningRate), loss: .meanSquaredError)
        if verbosity != .silent { log(autoencoder.summary()) }

        var callbacks: [any Callback] = []
        if let patience = earlyStoppingPatience {
            callbacks.append(EarlyStopping(monitor: "val_loss", patience: patience, restoreBestWeights: true))
        }
        if let runOutput { callbacks.append(runOutput.trainingLog) }
        if let logger = progressLogger(
            verbosity, epochs: resolvedEpochs, samples: samples,
            batchSize: resolvedBatchSize, write: progress)
        {
            callbacks.append(logger)
        }
        let start = Date()
        // The progress bar is one of `callbacks` (writing to `progress`), not fit's own, which would
        // write to standard output behind `log`'s back.
        let history = try autoencoder.fit(
            x, x, epochs: resolvedEpochs, batchSize: resolvedBatchSize,
            validationData: (validX, validX), shuffle: true, verbose: .silent,
            callbacks: callbacks)
        let secondsPerEpoch = Date().timeIntervalSince(start) / Double(Swift.max(1, history.epochs.count))

        return (history, secondsPerEpoch)
    }

    /// Checks that LSTM windows of `lookback` rows fit `rows` rows of `features` features and memory:
    /// `lookback + 2` rows at least, and at most ``maximumWindowValues`` values in all (overflow-checked),
    /// before anything is allocated.
    /// - Throws: ``ExperimentError/invalidSetting(option:value:expected:)`` for `--lookback`.
    public static func checkWindows(rows: Int, features: Int, lookback: Int) throws(ExperimentError) {
        guard lookback >= 1, rows >= 0, lookback < rows - 1 else {
            throw .invalidSetting(
                option: "lookback", value: "\(lookback)",
                expected: "at most \(Swift.max(rows - 2, 1)) (the shifted data has \(rows) rows)")
        }
        let windows = rows - lookback - 1
        let (perWindow, overflow1) = lookback.multipliedReportingOverflow(by: features)
        let (total, overflow2) = windows.multipliedReportingOverflow(by: perWindow)
        guard !overflow1, !overflow2, total <= Self.maximumWindowValues else {
            throw .invalidSetting(
                option: "lookback", value: "\(lookback)",
                expected: "a smaller lookback: windows × lookback × features must stay within "
                    + "\(maximumWindowValues) values (1 GiB), and \(windows) × \(lookback) × \(features) is more")
        }
    }

    /// The most values the LSTM windows may hold (2²⁸ `Float`s, 1 GiB); the real data with the articles'
    /// lookback of 5 needs 5.4 million.
    public static let maximumWindowValues = 1 << 28

    /// The shifted rows, their labels, the sensor column names and a description of the data.
    private func loadShifted() throws -> (Tensor, [Int], [String], String) {
        switch data {
        case let .file(url):
            let table = try Table(contentsOfCSV: url, types: .numeric(except: ["time"]))
            let required = ["time", "y", "x28", "x61"]
            let missing = required.filter { !table.columnNames.contains($0) }
            guard missing.isEmpty, table.columnNames.count > required.count else {
                throw ExperimentError.unexpectedData(
                    file: url.path, expected: "the sheet-break columns time, y, x1 … x61 in a header row",
                    found: "\(table.columnNames.count) columns (\(listing(table.columnNames)))"
                        + (missing.isEmpty ? "" : ", no \(missing.joined(separator: ", "))"))
            }
            let sensors = try table.dropping(required)
            if let (row, column) = firstNonFinite(try sensors.tensor()) {
                throw ExperimentError.unexpectedData(
                    file: url.path, expected: "finite numbers in the sensor columns",
                    found: "\(try sensors.numbers(sensors.columnNames[column])[row]) in column "
                        + "\(displayed(sensors.columnNames[column])) of data row \(row + 1)")
            }
            try checkShift(rows: table.rowCount)
            let shifted = try table.curveShifted(label: "y", by: shift)
            let labels = try shifted.numbers("y").map { Int($0) }
            let sensorTable = try shifted.dropping(required)
            return (
                try sensorTable.tensor(), labels, sensorTable.columnNames,
                "\(url.path) (\(table.rowCount) rows × \(table.columnNames.count) columns)"
            )
        case let .synthetic(rows):
            try checkShift(rows: rows)
            let synthetic = SyntheticRareEvents.make(rows: rows, features: 59, seed: 7)
            let shifted = try curveShift(synthetic.labels, by: shift)
            return (
                synthetic.features.gatheringBatch(shifted.keptRows), shifted.labels, (1...59).map { "x\($0)" },
                "built-in synthetic rare-event series (\(rows) rows × 59 sensors); pass --data PATH for the real sheet-break.csv"
            )
        }
    }
}

extension SheetBreakExperiment: CommandLineProgram {
    /// The largest `--epochs`, `--batch-size` and `--early-stopping` values accepted.
    public static let maximumCount = 1_000_000
    /// The largest `--lookback` accepted (memory is checked too, once the data is known).
    public static let maximumLookback = 10_000

    /// The options of `sheet-break` (and its `--help`).
    public static let commandLine = CommandLineOptions(
        command: "sheet-break",
        summary:
            "Trains a dense, LSTM, GRU, Conv1D or bidirectional LSTM autoencoder on normal paper-mill data and flags sheet breaks before they happen. "
            + "`sheet-break --replay --help` lists the options of the time-ordered replay through the monitor.",
        options: [
            .init(
                "model", value: ModelKind.allCases.map(\.rawValue).joined(separator: "|"), default: "lstm",
                help: "Which autoencoder to train."),
            .init("data", value: "PATH", help: "The sheet-break CSV (default: a built-in synthetic data set)."),
            .init(
                "keras", value: "FILE",
                help: "Score with a Keras model (.keras or legacy .h5) instead of training one; "
                    + "its input shape gives the window length."),
            .init("epochs", value: "N", default: "200", help: "Training epochs (1 to 1,000,000)."),
            .init("batch-size", value: "N", help: "Batch size (default: 128 dense, 64 LSTM)."),
            .init(
                "learning-rate", value: "LR",
                help: "Adam learning rate, a finite positive number (default: 1e-3 dense, 1e-4 LSTM)."),
            .init(
                "shift", value: "-N", default: "-2",
                help: "Curve shift: -N labels the N rows before each break "
                    + "(negative, N smaller than the number of rows)."),
            .init("lookback", value: "N", default: "5", help: "Window length of the window models (1 to 10,000)."),
            .init("activation", value: "relu|tanh", default: "relu", help: "Activation of the recurrent layers."),
            .init(
                "scaling", value: "standard|minmax", default: "standard",
                help: "Column scaling, fitted on the normal training samples."),
            .init(
                "score", value: "last|window", default: "last",
                help: "Score a window's last row (as the articles) or the whole window."),
            .init(
                "early-stopping", value: "PATIENCE", help: "Stop when val_loss has not improved for PATIENCE epochs."),
            .init(
                "threshold", value: "VALUE|pr-equal|max-f1",
                help: "Alarm threshold, a finite number ≥ 0 or a rule "
                    + "(default: 0.4 dense, 0.3 LSTM)."),
            .init("seed", value: "N", default: "123", help: "Seed of weight initialization and shuffling."),
            .init("output", value: "DIR", default: "sheet-break-output", help: "Where the model, log and charts go."),
            .init(flag: "quiet", help: "No progress bar."),
        ])

    /// The experiment a `sheet-break` command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` for an unknown option, a value out of range or not a
    ///   finite number, a `--data` path that is not a readable file, an `--output` that is a file.
    public static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> SheetBreakExperiment {
        var options = commandLine
        try options.parse(arguments)
        var experiment = SheetBreakExperiment()
        experiment.model = try options.value("model", as: ModelKind.names) { ModelKind(rawValue: $0) } ?? .lstm
        if let url = try options.file("data", expected: "a CSV file") { experiment.data = .file(url) }
        experiment.kerasModel = try options.file("keras", expected: "a Keras model file (.keras or .h5)")
        experiment.epochs = try options.integer("epochs", in: 1...maximumCount)
        experiment.batchSize = try options.integer("batch-size", in: 1...maximumCount)
        experiment.learningRate = try options.number("learning-rate", .positive, as: Float.self)
        experiment.shift = try options.integer("shift", in: Int.min...(-1)) ?? -2
        experiment.lookback = try options.integer("lookback", in: 1...maximumLookback) ?? 5
        experiment.activation =
            try options.value("activation", as: "relu or tanh") { ["relu": Activation.relu, "tanh": .tanh][$0] }
            ?? .relu
        experiment.scaling =
            try options.value("scaling", as: "standard or minmax") { ScalingKind(rawValue: $0) } ?? .standard
        experiment.windowScoring =
            try options.value("score", as: "last or window") {
                ["last": RareEventDetector.WindowScoring.lastTimestep, "window": .wholeWindow][$0]
            } ?? .lastTimestep
        experiment.earlyStoppingPatience = try options.integer("early-stopping", in: 0...maximumCount)
        experiment.threshold = try options.value("threshold", as: "a finite non-negative number, pr-equal or max-f1") {
            text in
            switch text {
            case "pr-equal": .precisionEqualsRecall
            case "max-f1": .maxF1
            default: (CommandLineOptions.number(text, .nonNegative) as Float?).map { .fixed($0) }
            }
        }
        experiment.seed = try options.seed("seed") ?? 123
        experiment.output = try options.outputFolder("output")
        experiment.verbosity = options.flag("quiet") ? .silent : .progressBar
        return experiment
    }
}
