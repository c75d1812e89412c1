import Foundation
import Layers
import Metrics
import Preprocessing
import Tensor

/// Flags rare events with an autoencoder trained on normal data only: a sample whose reconstruction
/// error is above the threshold is an alarm (`1`), as in the reference articles (`error > threshold`).
///
/// ```swift
/// var detector = RareEventDetector(model: trainedAutoencoder)
/// try detector.calibrate(.precisionEqualsRecall, validation: (validX, validLabels))
/// let report = try detector.evaluate(testX, labels: testLabels)
/// print(report)
/// ```
public struct RareEventDetector {
    /// Which part of a `[samples, timesteps, features]` window is scored.
    public enum WindowScoring: String, Sendable, Codable {
        /// The last timestep of the window and of its reconstruction — the reference articles' `flatten`.
        case lastTimestep
        /// Every element of the window.
        case wholeWindow
    }

    /// The trained autoencoder.
    public let model: Sequential
    /// How a sample's error is measured.
    public var error: ReconstructionError
    /// Which part of a window is scored (ignored for 2-D samples).
    public var windowScoring: WindowScoring
    /// Samples with an error above this are alarms.
    public var threshold: Float

    /// Wraps a trained autoencoder.
    public init(
        model: Sequential, error: ReconstructionError = .meanSquared,
        windowScoring: WindowScoring = .lastTimestep, threshold: Float = .infinity
    ) {
        self.model = model
        self.error = error
        self.windowScoring = windowScoring
        self.threshold = threshold
    }

    /// The reconstruction error of each sample.
    ///
    /// - Throws: ``Layers/LayerError`` when `x` does not fit the model.
    public func scores(_ x: Tensor, batchSize: Int = 1_024) throws -> [Float] {
        let reconstruction = try model.predict(x, batchSize: batchSize)
        if x.rank == 3 && windowScoring == .lastTimestep {
            return error.perSample(try flatten(x), try flatten(reconstruction))
        }
        return error.perSample(x, reconstruction)
    }

    /// Chooses the threshold with `rule`, from labelled validation samples (for the precision/recall
    /// rules) or normal training samples (for `mean + k·std`), and returns it.
    ///
    /// - Throws: ``Metrics/MetricsError`` when the rule lacks the data it needs.
    @discardableResult
    public mutating func calibrate(
        _ rule: ThresholdRule, validation: (x: Tensor, labels: [Int])? = nil,
        normalTraining: Tensor? = nil
    ) throws -> Float {
        // Score only the data the rule uses.
        var validationScores: [Float] = []
        var trainingScores: [Float] = []
        switch rule {
        case .fixed: break
        case .precisionEqualsRecall, .maxF1: validationScores = try validation.map { try scores($0.x) } ?? []
        case .meanPlusStandardDeviations: trainingScores = try normalTraining.map { try scores($0) } ?? []
        }
        threshold = try rule.threshold(
            validationScores: validationScores, validationLabels: validation?.labels ?? [],
            trainingScores: trainingScores)
        return threshold
    }

    /// 1 for samples whose error is above the threshold, 0 otherwise.
    public func classify(_ x: Tensor) throws -> [Int] {
        try scores(x).map { $0 > threshold ? 1 : 0 }
    }

    /// Scores labelled samples and summarises how well the threshold separates them.
    ///
    /// - Throws: ``Metrics/MetricsError`` (for example when the labels hold a single class).
    public func evaluate(_ x: Tensor, labels: [Int]) throws -> DetectionReport {
        try DetectionReport(scores: scores(x), labels: labels, threshold: threshold)
    }
}

/// How well reconstruction errors separate rare events from normal samples at a threshold.
public struct DetectionReport: Sendable, CustomStringConvertible {
    /// The samples' reconstruction errors.
    public let scores: [Float]
    /// The samples' 0/1 labels (1 = event).
    public let labels: [Int]
    /// The threshold; errors above it are alarms.
    public let threshold: Float
    /// Counts at the threshold.
    public let confusionMatrix: ConfusionMatrix
    /// The ROC curve of the scores (threshold-free).
    public let rocCurve: ROCCurve
    /// The precision-recall curve of the scores (threshold-free).
    public let precisionRecallCurve: PrecisionRecallCurve
    /// Average precision of the scores.
    public var averagePrecision: Double { precisionRecallCurve.averagePrecision }

    /// Evaluates `scores` against `labels` at `threshold`.
    ///
    /// - Throws: ``Metrics/MetricsError``.
    public init(scores: [Float], labels: [Int], threshold: Float) throws {
        self.scores = scores
        self.labels = labels
        self.threshold = threshold
        confusionMatrix = try ConfusionMatrix(labels: labels, scores: scores, threshold: threshold)
        rocCurve = try ROCCurve(labels: labels, scores: scores)
        precisionRecallCurve = try PrecisionRecallCurve(labels: labels, scores: scores)
    }

    /// The area under the ROC curve.
    public var rocAUC: Double { rocCurve.area }

    public var description: String {
        let m = confusionMatrix
        return """
            threshold \(threshold): \(m.truePositives) of \(m.positives) events caught, \(m.falsePositives) false alarms \
            among \(m.negatives) normal samples
            \(m)
            precision \(percent(m.precision))  recall \(percent(m.recall))  FPR \(percent(m.falsePositiveRate))  \
            F1 \(String(format: "%.3f", m.f1))  ROC AUC \(String(format: "%.3f", rocAUC))  AP \(String(format: "%.3f", averagePrecision))
            """
    }

    private func percent(_ value: Double) -> String { String(format: "%.1f%%", 100 * value) }
}
