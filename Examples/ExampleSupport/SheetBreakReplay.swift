internal import FileFormats
import Foundation
import RareEventKit

/// `sheet-break --replay`: the sheet-break detector run the way it would be deployed. The autoencoder
/// is trained on the earlier part of the series in time order (normal rows only; no future data), the
/// threshold is a quantile of the scores of the normal rows at the end of that part, and the later part
/// is replayed row by row through a ``StreamingMonitor`` against the raw, unshifted labels: breaks
/// caught within the horizon, lead times in minutes and false alarms per day (``EventReport``).
public struct SheetBreakReplay {
    /// The autoencoder to train (`--model`; dense by default, the fastest).
    public var model: SheetBreakExperiment.ModelKind = .dense
    /// The data (`--data`; synthetic by default).
    public var data: SheetBreakExperiment.DataSource = .synthetic(rows: 6_000)
    /// Training epochs; `nil` for the article default (200).
    public var epochs: Int?
    /// Batch size; `nil` for the article default (128 dense, 64 window models).
    public var batchSize: Int?
    /// Adam learning rate; `nil` for the article default (1e-3 dense, 1e-4 window models).
    public var learningRate: Float?
    /// The window length of the window models.
    public var lookback = 5
    /// The share of rows, in time order, used for training (`--train-fraction`); the rest is replayed.
    public var trainFraction = 0.7
    /// The share of the training part, at its end, held out for `val_loss` and the threshold.
    public var validationFraction = 0.2
    /// The threshold is this quantile of the scores of the normal validation rows (`--threshold-quantile`).
    public var thresholdQuantile = 0.99
    /// How long before a break an alarm counts as predicting it, in minutes (`--horizon-minutes`).
    public var horizonMinutes = 20.0
    /// When alarms are raised and cleared (`--raise-after`, `--of`, `--clear-after`, `--cooldown`).
    public var policy: AlarmPolicy = .immediate
    /// Seeds weight initialization and shuffling.
    public var seed: UInt64 = 123
    /// How `fit` reports progress.
    public var verbosity: Verbosity = .progressBar
    /// Where the detector, `replay.csv` and `replay.svg` are written; `nil` writes nothing.
    public var output: URL?
    /// Where progress text goes, one line per call.
    public var log: (String) -> Void = Console.line
    /// Where the training progress bar goes.
    public var progress: (String) -> Void = Console.write

    /// Creates a replay with the defaults.
    public init() {}

    /// What a replay produced.
    public struct Result {
        /// Rows used for training (normal rows of the training part before the validation rows).
        public var trainingRows: Int
        /// Rows of the validation part (the end of the training part).
        public var validationRows: Int
        /// Rows replayed through the monitor.
        public var replayedRows: Int
        /// The threshold chosen on the validation rows.
        public var threshold: Float
        /// One score per replayed row (`nil` while the window fills).
        public var scores: [Float?]
        /// Whether the alarm was on, per replayed row.
        public var alarms: [Bool]
        /// The raw labels of the replayed rows.
        public var labels: [Int]
        /// Breaks caught, lead times and false alarms on the replayed part.
        public var report: EventReport
        /// Wall-clock seconds of training and of the replay.
        public var seconds: (training: Double, replay: Double)
    }

    /// Runs the replay.
    /// - Throws: ``ExperimentError`` when the output folder is not writable, the data lacks the
    ///   sheet-break columns, holds non-finite values or unparsable times, or a part is too small; the
    ///   library's errors otherwise.
    public func run() throws -> Result {
        try RunOutput.using(output) { try run(writingTo: $0) }
    }

    private func run(writingTo runOutput: RunOutput?) throws -> Result {
        let (features, labels, seconds, columns, description) = try load()
        let rows = labels.count
        log("data: \(description)")
        let trainEnd = Int((Double(rows) * trainFraction).rounded(.down))
        let validStart = Int((Double(trainEnd) * (1 - validationFraction)).rounded(.down))
        let fitRows = (0..<validStart).filter { labels[$0] == 0 }
        guard fitRows.count > lookback + 1, trainEnd - validStart > lookback + 1, rows - trainEnd > lookback else {
            throw ExperimentError.unexpectedData(
                file: dataName, expected: "enough rows for training, validation and replay",
                found: "\(rows) rows (train ..<\(validStart), validation ..<\(trainEnd))")
        }
        log(
            "time order: train rows 0..<\(validStart) (\(fitRows.count) normal), validation \(validStart)..<\(trainEnd), "
                + "replay \(trainEnd)..<\(rows) (\(rows - trainEnd) rows, \(labels[trainEnd...].count { $0 == 1 }) break rows)"
        )

        var scaler = StandardScaler()
        try scaler.fit(features.gatheringBatch(fitRows))
        let scaled = try scaler.transform(features)
        let validNormal = (validStart..<trainEnd).filter { labels[$0] == 0 }
        let (x, validX) = try samples(
            scaled, labels: labels, fit: fitRows, range: 0..<validStart, valid: validStart..<trainEnd)
        log("training on \(x.shape[0]) normal samples, validating on \(validX.shape[0])")

        let autoencoder = try model.makeAutoencoder(
            lookback: lookback, features: columns.count, activation: .relu, seed: seed)
        let learningRate = learningRate ?? model.defaultLearningRate
        let batchSize = batchSize ?? model.defaultBatchSize
        let epochs = epochs ?? 200
        autoencoder.compile(optimizer: Adam(learningRate: learningRate), loss: .meanSquaredError)
        var callbacks: [any Callback] = []
        if let logger = progressLogger(
            verbosity, epochs: epochs, samples: x.shape[0], batchSize: batchSize, write: progress)
        {
            callbacks.append(logger)
        }
        let trainingStart = Date()
        _ = try autoencoder.fit(
            x, x, epochs: epochs, batchSize: batchSize, validationData: (validX, validX), shuffle: true,
            verbose: .silent, callbacks: callbacks)
        let trainingSeconds = Date().timeIntervalSince(trainingStart)

        // The threshold: a quantile of the scores of the normal validation rows (the detector's own
        // scoring of raw rows, as the monitor will score them); nothing of the replayed part is used.
        var detector = RareEventDetector(model: autoencoder, error: .meanSquared, windowScoring: .lastTimestep)
        detector.threshold = 0
        let probe = try DeployedDetector(
            detector, columns: columns, scaling: .standard(scaler), lookback: model.readsWindows ? lookback : 1)
        let validScores = try probe.scores(rows: features.gatheringBatch(Array(validStart..<trainEnd)))
        let offset = probe.lookback - 1
        let normalScores = validNormal.filter { $0 - validStart >= offset }.map {
            validScores[$0 - validStart - offset]
        }
        guard let threshold = Self.quantile(normalScores.map(Double.init), thresholdQuantile) else {
            throw ExperimentError.unexpectedData(
                file: dataName, expected: "normal rows in the validation part", found: "none")
        }
        detector.threshold = Float(threshold)
        let deployed = try DeployedDetector(
            detector, columns: columns, scaling: .standard(scaler), lookback: probe.lookback)
        log(
            String(
                format: "threshold %.4g (the %g quantile of %d normal validation scores)", threshold,
                thresholdQuantile, normalScores.count))
        log(
            "alarm policy: raise after \(policy.raiseCount) of \(policy.windowCount), clear after "
                + "\(policy.clearCount), cooldown \(policy.cooldown)")

        // Replay: the last lookback − 1 training rows fill the window first, then every later row is
        // pushed in arrival order (batched 256 rows at a time, bit-identical to one by one).
        let monitor = StreamingMonitor(detector: deployed, policy: policy)
        let replayStart = Date()
        let width = columns.count
        let all = features.scalars
        for row in (trainEnd - offset)..<trainEnd {
            _ = try monitor.push(Array(all[(row * width)..<((row + 1) * width)]))
        }
        var scores: [Float?] = []
        var alarms: [Bool] = []
        scores.reserveCapacity(rows - trainEnd)
        alarms.reserveCapacity(rows - trainEnd)
        for chunk in stride(from: trainEnd, to: rows, by: 256) {
            let batch = (chunk..<Swift.min(chunk + 256, rows)).map {
                (stream: "", row: Array(all[($0 * width)..<(($0 + 1) * width)]))
            }
            for result in try monitor.push(batch) {
                let reading = try result.get()
                scores.append(reading.score)
                alarms.append(reading.alarm.isOn)
            }
        }
        let replaySeconds = Date().timeIntervalSince(replayStart)
        let replayLabels = Array(labels[trainEnd...])
        let times = Array(seconds[trainEnd...])
        let report = try EventReport(
            labels: replayLabels, alarms: alarms, horizon: .duration(horizonMinutes * 60), timestamps: times)
        log("replay of \(replayLabels.count) rows in \(String(format: "%.2f", replaySeconds)) s:\n\(report)")

        if let runOutput {
            try deployed.save(to: runOutput.folder.appendingPathComponent("detector"))
            var csv = "row,time_seconds,y,score,alarm\n"
            for (index, score) in scores.enumerated() {
                csv +=
                    "\(trainEnd + index),\(times[index]),\(replayLabels[index]),"
                    + "\(score.map { "\($0)" } ?? ""),\(alarms[index] ? 1 : 0)\n"
            }
            try AtomicFile.write(Data(csv.utf8), to: runOutput.folder.appendingPathComponent("replay.csv"))
            try Chart.scoreTimeline(
                scores: scores, times: times.map { ($0 - times[0]) / 3600 }, threshold: deployed.threshold,
                alarms: alarms, labels: replayLabels
            ).write(to: runOutput.folder.appendingPathComponent("replay.svg"))
            log("wrote detector/, replay.csv and replay.svg to \(runOutput.folder.path)")
        }
        return Result(
            trainingRows: fitRows.count, validationRows: trainEnd - validStart, replayedRows: rows - trainEnd,
            threshold: deployed.threshold, scores: scores, alarms: alarms, labels: replayLabels, report: report,
            seconds: (trainingSeconds, replaySeconds))
    }

    /// The training and validation samples: normal rows (dense) or windows of `lookback` rows inside
    /// the range whose last row is normal (LSTM).
    private func samples(
        _ scaled: Tensor, labels: [Int], fit: [Int], range: Range<Int>, valid: Range<Int>
    ) throws -> (Tensor, Tensor) {
        func windows(_ range: Range<Int>) throws -> Tensor {
            let ends = range.dropFirst(lookback - 1).filter { labels[$0] == 0 }
            let width = scaled.shape[1]
            var values = [Float]()
            values.reserveCapacity(ends.count * lookback * width)
            let all = scaled.scalars
            for end in ends { values += all[((end - lookback + 1) * width)..<((end + 1) * width)] }
            return Tensor(shape: [ends.count, lookback, width], scalars: values)
        }
        if model.readsWindows {
            try SheetBreakExperiment.checkWindows(
                rows: range.count, features: scaled.shape[1], lookback: lookback)
            return (try windows(range), try windows(valid))
        }
        return (scaled.gatheringBatch(fit), scaled.gatheringBatch(valid.filter { labels[$0] == 0 }))
    }

    /// The data's name in messages.
    private var dataName: String {
        switch data {
        case let .file(url): url.path
        case .synthetic: "the synthetic data"
        }
    }

    /// Raw sensor rows, raw labels, seconds per row, the sensor column names and a description.
    private func load() throws -> (Tensor, [Int], [Double], [String], String) {
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
            let tensor = try sensors.tensor()
            if let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
                let (row, column) = bad.quotientAndRemainder(dividingBy: sensors.columnNames.count)
                throw ExperimentError.unexpectedData(
                    file: url.path, expected: "finite numbers in the sensor columns",
                    found: "\(tensor.scalars[bad]) in column \(sensors.columnNames[column]) of data row \(row + 1)")
            }
            let labels = try table.numbers("y").enumerated().map { row, value in
                guard value == 0 || value == 1 else {
                    throw ExperimentError.unexpectedData(
                        file: url.path, expected: "y = 0 or 1", found: "\(value) in data row \(row + 1)")
                }
                return Int(value)
            }
            let seconds = try Self.seconds(try table.strings("time"), file: url.path)
            return (
                tensor, labels, seconds, sensors.columnNames,
                "\(url.path) (\(table.rowCount) rows × \(table.columnNames.count) columns)"
            )
        case let .synthetic(rows):
            let synthetic = SyntheticRareEvents.make(rows: rows, features: 59, seed: 7)
            return (
                synthetic.features, synthetic.labels, (0..<rows).map { Double($0) * 120 }, (1...59).map { "x\($0)" },
                "built-in synthetic rare-event series (\(rows) rows × 59 sensors, 2 minutes apart)"
            )
        }
    }

    /// The `q`-quantile of `values` as NumPy's default `np.quantile` (linear interpolation between the
    /// closest ranks); `nil` when there are none.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = Swift.min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }

    /// Seconds since 1970 of times written `M/D/YY H:MM` (the sheet-break file's format, read as
    /// 19YY), which must not go back in time.
    /// - Throws: ``ExperimentError/unexpectedData(file:expected:found:)`` naming the data row.
    public static func seconds(_ times: [String], file: String) throws -> [Double] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var result: [Double] = []
        result.reserveCapacity(times.count)
        for (row, text) in times.enumerated() {
            let parts = text.split(whereSeparator: { $0 == "/" || $0 == " " || $0 == ":" }).map { Int($0) }
            guard parts.count == 5, let month = parts[0], let day = parts[1], let year = parts[2],
                let hour = parts[3], let minute = parts[4], (1...12).contains(month), (1...31).contains(day),
                (0...99).contains(year), (0...23).contains(hour), (0...59).contains(minute),
                let date = calendar.date(
                    from: DateComponents(year: 1900 + year, month: month, day: day, hour: hour, minute: minute))
            else {
                throw ExperimentError.unexpectedData(
                    file: file, expected: "a time M/D/YY H:MM", found: "'\(text)' in data row \(row + 1)")
            }
            let value = date.timeIntervalSince1970
            if let last = result.last, value < last {
                throw ExperimentError.unexpectedData(
                    file: file, expected: "times in order",
                    found: "'\(text)' before the previous row's in data row \(row + 1)")
            }
            result.append(value)
        }
        return result
    }
}

extension SheetBreakReplay: CommandLineProgram {
    /// The options of `sheet-break --replay` (and its `--help`).
    public static let commandLine = CommandLineOptions(
        command: "sheet-break --replay",
        summary:
            "Trains on the earlier part of the series in time order, then replays the later part through the "
            + "streaming monitor and reports breaks caught, lead times and false alarms per day.",
        options: [
            .init(flag: "replay", help: "Replay mode (this command line)."),
            .init(
                "model", value: SheetBreakExperiment.ModelKind.allCases.map(\.rawValue).joined(separator: "|"),
                default: "dense", help: "Which autoencoder to train."),
            .init("data", value: "PATH", help: "The sheet-break CSV (default: a built-in synthetic data set)."),
            .init("epochs", value: "N", default: "200", help: "Training epochs (1 to 1,000,000)."),
            .init("batch-size", value: "N", help: "Batch size (default: 128 dense, 64 LSTM)."),
            .init(
                "learning-rate", value: "LR",
                help: "Adam learning rate, a finite positive number (default: 1e-3 dense, 1e-4 LSTM)."),
            .init("lookback", value: "N", default: "5", help: "Window length of the window models (1 to 10,000)."),
            .init(
                "train-fraction", value: "F", default: "0.7",
                help: "Share of the rows, in time order, used for training (0.05 to 0.95); the rest is replayed."),
            .init(
                "threshold-quantile", value: "Q", default: "0.99",
                help: "The threshold is this quantile (0 to 1) of the normal validation rows' scores."),
            .init(
                "horizon-minutes", value: "M", default: "20",
                help: "An alarm up to M minutes before a break counts as predicting it."),
        ] + CommandLineOptions.alarmPolicyOptions + [
            .init("seed", value: "N", default: "123", help: "Seed of weight initialization and shuffling."),
            .init(
                "output", value: "DIR", default: "sheet-break-replay",
                help: "Where the detector, replay.csv and replay.svg go."),
            .init(flag: "quiet", help: "No progress bar."),
        ])

    /// The replay a `sheet-break --replay` command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` for an unknown option or a value out of range.
    public static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> SheetBreakReplay {
        var options = commandLine
        try options.parse(arguments)
        var replay = SheetBreakReplay()
        replay.model =
            try options.value("model", as: SheetBreakExperiment.ModelKind.names) {
                SheetBreakExperiment.ModelKind(rawValue: $0)
            } ?? .dense
        if let url = try options.file("data", expected: "a CSV file") { replay.data = .file(url) }
        replay.epochs = try options.integer("epochs", in: 1...SheetBreakExperiment.maximumCount)
        replay.batchSize = try options.integer("batch-size", in: 1...SheetBreakExperiment.maximumCount)
        replay.learningRate = try options.number("learning-rate", .positive, as: Float.self)
        replay.lookback = try options.integer("lookback", in: 1...SheetBreakExperiment.maximumLookback) ?? 5
        func fraction(_ name: String, _ range: ClosedRange<Double>) throws(CommandLineOptions.ParseError) -> Double? {
            guard let value = try options.number(name, .any, as: Double.self) else { return nil }
            guard range.contains(value) else {
                throw .invalidValue(
                    option: name, value: options.string(name) ?? "\(value)",
                    expected: "a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        replay.trainFraction = try fraction("train-fraction", 0.05...0.95) ?? 0.7
        replay.thresholdQuantile = try fraction("threshold-quantile", 0...1) ?? 0.99
        replay.horizonMinutes = try fraction("horizon-minutes", 0...1_000_000) ?? 20
        replay.policy = try options.alarmPolicy()
        replay.seed = try options.seed("seed") ?? 123
        replay.output = try options.outputFolder("output")
        replay.verbosity = options.flag("quiet") ? .silent : .progressBar
        return replay
    }
}
