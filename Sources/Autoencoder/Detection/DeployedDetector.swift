import Layers
import Metrics
import Preprocessing
import Tensor

/// Everything needed to score raw sensor rows as they arrive: the input columns in order, the fitted
/// scaler, the window length, the trained autoencoder with its error measure and window scoring, and
/// the threshold with the rule that chose it. Saved as one folder with ``save(to:)`` and read back with
/// ``init(contentsOf:)``; a ``StreamingMonitor`` runs it on live streams.
///
/// ```swift
/// var detector = RareEventDetector(model: autoencoder)
/// try detector.calibrate(.precisionEqualsRecall, validation: (validX, validLabels))
/// let deployed = try DeployedDetector(detector, columns: sensorNames, scaling: .standard(scaler),
///                                     lookback: 5, thresholdRule: .precisionEqualsRecall)
/// try deployed.save(to: URL(fileURLWithPath: "runs/detector"))
/// ```
public struct DeployedDetector {
    /// The autoencoder, its error measure, window scoring and threshold.
    public let detector: RareEventDetector
    /// The input columns, in the order the model sees them.
    public let columns: [String]
    /// How raw rows are scaled before the model sees them (fitted on the training data).
    public let scaling: Scaling
    /// The window length: rows per sample (1 for a dense autoencoder scoring single rows).
    public let lookback: Int
    /// The rule that chose ``threshold`` (`nil` when it is not known).
    public let thresholdRule: ThresholdRule?

    /// The trained autoencoder.
    public var model: Sequential { detector.model }
    /// Windows scoring above this are alarms.
    public var threshold: Float { detector.threshold }
    /// Values in one window: `lookback × columns.count`.
    public var windowSize: Int { lookback * columns.count }

    /// Checks that the parts fit together and bundles them.
    ///
    /// The model must take `[columns.count]` samples (then `lookback` must be 1) or
    /// `[lookback, columns.count]` windows; the column names must be unique and non-empty; the scaler
    /// fitted on `columns.count` features (or one global range); the threshold finite.
    /// - Throws: ``MonitoringError/invalidDetector(_:)`` saying what does not fit.
    public init(
        _ detector: RareEventDetector, columns: [String], scaling: Scaling, lookback: Int = 1,
        thresholdRule: ThresholdRule? = nil
    ) throws(MonitoringError) {
        if let (_, reason) = Self.problem(detector, columns: columns, scaling: scaling, lookback: lookback) {
            throw .invalidDetector(reason)
        }
        self.detector = detector
        self.columns = columns
        self.scaling = scaling
        self.lookback = lookback
        self.thresholdRule = thresholdRule
    }

    /// What does not fit together, as the `detector.json` key at fault and the reason; `nil` when all fits.
    static func problem(
        _ detector: RareEventDetector, columns: [String], scaling: Scaling,
        lookback: Int
    ) -> (key: String, reason: String)? {
        guard !columns.isEmpty else { return ("columns", "expected at least one input column") }
        if let empty = columns.firstIndex(where: \.isEmpty) {
            return ("columns[\(empty)]", "expected a non-empty column name")
        }
        var seen = Set<String>()
        if let duplicate = columns.first(where: { !seen.insert($0).inserted }) {
            return ("columns", "column '\(duplicate)' is named twice; expected unique names")
        }
        guard lookback >= 1 else { return ("lookback", "expected a lookback ≥ 1, found \(lookback)") }
        let (size, overflow) = lookback.multipliedReportingOverflow(by: columns.count)
        guard !overflow, size <= SizeLimit.maximumElementCount else {
            return ("lookback", "a window of \(lookback) × \(columns.count) values is too large")
        }
        let shape = detector.model.inputShape
        guard shape == [lookback, columns.count] || (lookback == 1 && shape == [columns.count]) else {
            return (
                "columns",
                "the model takes samples of shape \(shape), expected [\(lookback), \(columns.count)] "
                    + (lookback == 1 ? "or [\(columns.count)] " : "")
                    + "for \(columns.count) columns and lookback \(lookback)"
            )
        }
        guard detector.threshold.isFinite else {
            return ("threshold", "expected a finite threshold, found \(detector.threshold); calibrate it first")
        }
        if let scaler = scaling.scaler {
            do {
                _ = try scaler.transform(Tensor(zeros: [1, columns.count]))
            } catch {
                return ("scaler.fitted", "the scaler does not fit \(columns.count) columns: \(error)")
            }
        }
        return nil
    }

    /// The model's input for a batch of windows of `lookback` rows: `[count, lookback, columns]`, or
    /// `[count, columns]` for a dense model.
    func batchShape(_ count: Int) -> [Int] { [count] + model.inputShape }

    /// Scores raw rows `[rows, columns.count]` of one stream, in time order: scales them, takes every
    /// window of `lookback` consecutive rows, and returns one score per window (`rows − lookback + 1`
    /// scores; score `i` is the window ending at row `i + lookback − 1`). A ``StreamingMonitor`` fed
    /// the same rows gives the same scores, bit for bit.
    ///
    /// - Throws: ``MonitoringError/wrongRowWidth(stream:expected:found:)`` when `rows` is not
    ///   `[_, columns.count]`; the scaler's and the model's errors otherwise.
    public func scores(rows: Tensor, batchSize: Int = 1_024) throws -> [Float] {
        guard rows.rank == 2, rows.shape[1] == columns.count else {
            throw MonitoringError.wrongRowWidth(stream: "", expected: columns.count, found: rows.shape.last ?? 0)
        }
        let scaled = try scaling.scaler?.transform(rows) ?? rows
        let count = rows.shape[0] - lookback + 1
        guard count > 0 else { return [] }
        let width = columns.count
        let windows = Tensor(
            shape: batchShape(count),
            unsafeUninitializedScalars: { out in
                scaled.withUnsafeBufferPointer { source in
                    for window in 0..<count {
                        (out.baseAddress! + window * lookback * width)
                            .update(from: source.baseAddress! + window * width, count: lookback * width)
                    }
                }
            })
        return try detector.scores(windows, batchSize: batchSize)
    }
}
