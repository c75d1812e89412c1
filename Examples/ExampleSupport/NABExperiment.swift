internal import FileFormats
import Foundation
import RareEventKit

/// The Numenta Anomaly Benchmark (NAB v1.1) run the way NAB allows: for every series, a small dense
/// autoencoder learns only from the probation period, a ``StreamingMonitor`` then scores the series
/// online row by row, and ``NABScorer`` picks one threshold per profile over the whole corpus.
///
/// Each series' anomaly score is threshold-free and in [0, 1]. The monitor gives the reconstruction
/// error `e` of the window's newest row; an ``AnomalyLikelihood`` compares the mean of the last 10 errors
/// with the mean and deviation of such averages over the last 8,640 rows, `z = (ā₁₀ − μ) / σ`, and the
/// row scores `z / (1 + z)` (0 for `z ≤ 0`). A row with `z ≥ 5` is a detection, and the next 100 rows
/// score 0: NAB credits only the first detection in a window and charges every false positive. Rows
/// before the likelihood's first reading (the first window, then 100 averages) get 0.
///
/// ```swift
/// var experiment = NABExperiment(data: URL(fileURLWithPath: "../shared/data/nab"))
/// experiment.output = URL(fileURLWithPath: "nab-results")
/// let result = try experiment.run()
/// print(result.scores.map(\.normalizedScore))   // standard, reward_low_FP_rate, reward_low_FN_rate
/// ```
public struct NABExperiment {
    /// The NAB corpus folder: `data/<group>/<series>.csv` and `labels/combined_windows.json`.
    public var data: URL
    /// Where the results go, as `<output>/<detectorName>/<group>/<detectorName>_<series>.csv`;
    /// `nil` writes nothing.
    public var output: URL?
    /// The detector's name in NAB's results layout.
    public var detectorName = "rareEventKitDenseAE"
    /// Rows per window.
    public var lookback = 20
    /// Training epochs per series.
    public var epochs = 40
    /// Batch size.
    public var batchSize = 32
    /// Adam learning rate.
    public var learningRate: Float = 1e-3
    /// Seeds weight initialization and shuffling (the same for every series).
    public var seed: UInt64 = 123
    /// Reconstruction errors in the anomaly likelihood's short-term average.
    public var averagingWindow = 10
    /// Short-term averages in the anomaly likelihood's history.
    public var historyLength = 8_640
    /// The standard score `z` of the likelihood from which a row counts as a detection and the next
    /// ``quietRows`` rows score 0.
    public var detectionLevel = 5.0
    /// Rows after a detection that score 0 (NAB credits only a window's first detection and charges every
    /// false positive).
    public var quietRows = 100
    /// Where progress text goes, one line per call.
    public var log: (String) -> Void = Console.line

    /// An experiment on the corpus in `data`.
    public init(data: URL) { self.data = data }

    /// The labels file, relative to ``data``.
    public static let labelsPath = "labels/combined_windows.json"

    /// NAB's published scoreboard, standard profile (NAB v1.1 README and `results/final_results.json`).
    public static let publishedStandardScores: [(detector: String, score: Double)] = [
        ("ARTime", 74.9), ("Numenta HTM", 70.1), ("earthgecko Skyline", 58.2), ("Random Cut Forest", 51.7),
        ("Windowed Gaussian", 39.6),
    ]

    /// What a run produced.
    public struct Result {
        /// One detection per series, in corpus order (the labels' file names, sorted).
        public var detections: [NABDetection]
        /// The corpus score of each profile of ``NABProfile/all``, in that order.
        public var scores: [NABCorpusScore]
        /// Rows in all series.
        public var rows: Int
        /// Wall-clock seconds spent training the autoencoders.
        public var trainingSeconds: Double
        /// Wall-clock seconds spent scoring rows through the monitors.
        public var scoringSeconds: Double
    }

    /// Runs the benchmark.
    ///
    /// - Throws: ``ExperimentError`` when the output folder is not writable (checked first), a data file
    ///   is not `timestamp,value` with finite numbers, or a series is too short for the window;
    ///   ``NABError`` for labels that do not fit the data; the library's errors otherwise.
    public func run() throws -> Result {
        try RunOutput.using(output) { try run(writingTo: $0) }
    }

    private func run(writingTo runOutput: RunOutput?) throws -> Result {
        let labels = try NABLabels(contentsOf: data.appendingPathComponent(Self.labelsPath))
        let names = labels.windows.keys.sorted()
        guard !names.isEmpty else { throw NABError.emptyCorpus }
        var detections: [NABDetection] = []
        var rows = 0
        var trainingSeconds = 0.0
        var scoringSeconds = 0.0
        for name in names {
            let file = data.appendingPathComponent("data").appendingPathComponent(name)
            let table = try Self.readSeries(file)
            let series = try labels.series(name, timestamps: table.timestamps)
            let (scores, timing) = try anomalyScores(table.values, series: series, file: file.path)
            trainingSeconds += timing.training
            scoringSeconds += timing.scoring
            rows += table.values.count
            let detection = NABDetection(series: series, anomalyScores: scores)
            detections.append(detection)
            if let runOutput {
                try AtomicFile.write(
                    Self.resultsCSV(table, detection: detection),
                    to: Self.resultsURL(in: runOutput.folder, detector: detectorName, series: name))
            }
        }
        var scores: [NABCorpusScore] = []
        for profile in NABProfile.all {
            scores.append(try NABScorer(profile: profile).score(detections))
        }
        log(Self.table(scores, detector: detectorName))
        if let runOutput {
            log(
                "wrote \(detections.count) result files to \(runOutput.folder.appendingPathComponent(detectorName).path)"
            )
        }
        return Result(
            detections: detections, scores: scores, rows: rows, trainingSeconds: trainingSeconds,
            scoringSeconds: scoringSeconds)
    }

    /// One series: trains on the probation windows, then scores every row through a monitor.
    private func anomalyScores(_ values: [Double], series: NABSeries, file: String) throws -> (
        [Double], (training: Double, scoring: Double)
    ) {
        let probation = Int(series.probationLength())
        guard probation >= lookback + 1 else {
            throw ExperimentError.unexpectedData(
                file: file,
                expected: "a probation period (15% of the rows, at most 750) of at least \(lookback + 1) rows "
                    + "for windows of \(lookback) rows",
                found: "\(values.count) rows, probation \(probation)")
        }
        let start = Date()
        var scaler = MinMaxScaler()
        try scaler.fit(Tensor(shape: [probation, 1], scalars: values[..<probation].map { Float($0) }))
        let scaled = try scaler.transform(
            Tensor(shape: [probation, 1], scalars: values[..<probation].map { Float($0) }))
        let windowCount = probation - lookback + 1
        let x = Tensor(
            shape: [windowCount, lookback, 1],
            unsafeUninitializedScalars: { (buffer: UnsafeMutableBufferPointer<Float>) in
                for window in 0..<windowCount {
                    for step in 0..<lookback { buffer[window * lookback + step] = scaled.scalars[window + step] }
                }
            })
        let model = Sequential(inputShape: [lookback, 1], seed: seed)
        try model.add(Flatten())
        for units in [16, 8, 16] { try model.add(Dense(units: units, activation: .relu)) }
        try model.add(Dense(units: lookback))
        try model.add(Reshape(targetShape: [lookback, 1]))
        model.compile(optimizer: Adam(learningRate: learningRate), loss: .meanSquaredError)
        _ = try model.fit(x, x, epochs: epochs, batchSize: batchSize, shuffle: true, verbose: .silent)
        var detector = RareEventDetector(model: model, error: .meanSquared, windowScoring: .lastTimestep)
        detector.threshold = try detector.scores(x).max() ?? 0
        let deployed = try DeployedDetector(
            detector, columns: ["value"], scaling: .minMax(scaler), lookback: lookback)
        let trained = Date()

        let monitor = StreamingMonitor(detector: deployed)
        var likelihood = try AnomalyLikelihood(averagingWindow: averagingWindow, historyLength: historyLength)
        var scores = [Double](repeating: 0, count: values.count)
        var quietRowsLeft = 0
        for (row, value) in values.enumerated() {
            guard let error = try monitor.push([Float(value)]).score,
                let reading = try likelihood.add(Double(error))
            else { continue }
            let z = Swift.max(reading.standardScore, 0)
            if quietRowsLeft > 0 {
                quietRowsLeft -= 1
            } else {
                scores[row] = z / (1 + z)
                if z >= detectionLevel { quietRowsLeft = quietRows }
            }
        }
        return (scores, (trained.timeIntervalSince(start), Date().timeIntervalSince(trained)))
    }

    /// A NAB data file's columns.
    struct Series {
        var timestamps: [String]
        /// The `value` column as written.
        var valueTexts: [String]
        var values: [Double]
    }

    /// Reads a NAB data file: a `timestamp,value` header, then one row per line (CRLF or LF).
    /// - Throws: ``ExperimentError/unexpectedData(file:expected:found:)`` naming the line.
    static func readSeries(_ url: URL) throws -> Series {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ExperimentError.unexpectedData(
                file: url.path, expected: "a readable UTF-8 CSV file", found: CommandLineOptions.oneLine(error))
        }
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next(), header.trimmingCharacters(in: .whitespaces) == "timestamp,value" else {
            throw ExperimentError.unexpectedData(
                file: url.path, expected: "the header timestamp,value on line 1", found: "another first line")
        }
        var series = Series(timestamps: [], valueTexts: [], values: [])
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2, let value = Double(fields[1].trimmingCharacters(in: .whitespaces)),
                value.isFinite, Float(value).isFinite
            else {
                throw ExperimentError.unexpectedData(
                    file: url.path, expected: "timestamp,value with a finite number on line \(lineNumber)",
                    found: "\"\(displayed(String(line.prefix(80))))\"")
            }
            series.timestamps.append(String(fields[0]))
            series.valueTexts.append(fields[1].trimmingCharacters(in: .whitespaces))
            series.values.append(value)
        }
        return series
    }

    /// `<folder>/<detector>/<group>/<detector>_<series>.csv`, NAB's results layout.
    static func resultsURL(in folder: URL, detector: String, series name: String) -> URL {
        let parts = name.split(separator: "/").map(String.init)
        var url = folder.appendingPathComponent(detector)
        for group in parts.dropLast() { url.appendPathComponent(group) }
        return url.appendingPathComponent("\(detector)_\(parts.last ?? name)")
    }

    /// A results file: `timestamp,value,anomaly_score,label`, label 1 inside a window.
    static func resultsCSV(_ series: Series, detection: NABDetection) -> Data {
        var inWindow = [Bool](repeating: false, count: series.timestamps.count)
        for window in detection.series.windows { for row in window { inWindow[row] = true } }
        var text = "timestamp,value,anomaly_score,label\n"
        for row in series.timestamps.indices {
            text += "\(series.timestamps[row]),\(series.valueTexts[row]),\(detection.anomalyScores[row]),"
            text += inWindow[row] ? "1\n" : "0\n"
        }
        return Data(text.utf8)
    }

    /// The three normalised scores next to NAB's published standard-profile scoreboard.
    static func table(_ scores: [NABCorpusScore], detector: String) -> String {
        var lines = ["NAB v1.1 normalised scores (100 perfect, 0 the null detector):"]
        lines.append(
            "  " + "detector".padding(toLength: 22, withPad: " ", startingAt: 0)
                + scores.map { $0.profile.name.padding(toLength: 20, withPad: " ", startingAt: 0) }.joined())
        lines.append(
            "  " + detector.padding(toLength: 22, withPad: " ", startingAt: 0)
                + scores.map {
                    String(format: "%.1f (thr %.4f)", $0.normalizedScore, $0.threshold)
                        .padding(toLength: 20, withPad: " ", startingAt: 0)
                }
                .joined())
        lines.append("published (standard profile):")
        for (name, score) in publishedStandardScores {
            lines.append("  " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%.1f", score))
        }
        return lines.joined(separator: "\n")
    }
}

extension NABExperiment: CommandLineProgram {
    /// The options of `nab` (and its `--help`).
    public static let commandLine = CommandLineOptions(
        command: "nab",
        summary:
            "Runs a dense autoencoder on the Numenta Anomaly Benchmark the way NAB allows and scores it with NAB's three profiles.",
        options: [
            .init(
                "data", value: "DIR",
                help: "The NAB corpus: data/<group>/<series>.csv and labels/combined_windows.json (required)."),
            .init("output", value: "DIR", help: "Where the results files go, in NAB's results layout."),
            .init("lookback", value: "N", default: "20", help: "Rows per window (2 to 1,000)."),
            .init("epochs", value: "N", default: "40", help: "Training epochs per series (1 to 10,000)."),
            .init("seed", value: "N", default: "123", help: "Seed of weight initialization and shuffling."),
        ])

    /// The run a `nab` command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` when `--data` is missing or is not a NAB corpus, for
    ///   an unknown option or a value out of range.
    public static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> NABExperiment {
        var options = commandLine
        try options.parse(arguments)
        guard
            let data = try options.folder(
                "data", expected: "the NAB corpus folder", containing: [labelsPath])
        else {
            throw .missingValue(
                option: "data",
                expected: "the NAB corpus is needed: a folder with data/<group>/<series>.csv and \(labelsPath), "
                    + "such as ../shared/data/nab")
        }
        var experiment = NABExperiment(data: data)
        experiment.output = try options.outputFolder("output")
        experiment.lookback = try options.integer("lookback", in: 2...1_000) ?? 20
        experiment.epochs = try options.integer("epochs", in: 1...10_000) ?? 40
        experiment.seed = try options.seed("seed") ?? 123
        return experiment
    }
}
