import Foundation
import RareEventKit

/// The output folder of an example run: the training log while training, then the saved model and the
/// charts every run writes (loss, confusion matrix, ROC) plus the run's own.
struct RunOutput {
    let folder: URL
    /// Whether this run created the folder (then a run that fails before writing anything removes it).
    let createdFolder: Bool

    /// Creates the folder if needed and checks that files can be written there, so a run fails at once
    /// rather than after training.
    /// - Throws: ``ExperimentError/outputFolder(path:reason:)``.
    init(_ folder: URL) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ExperimentError.outputFolder(path: folder.path, reason: "it is a file, expected a folder")
        }
        createdFolder = !manager.fileExists(atPath: folder.path)
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            let probe = folder.appendingPathComponent(".write-test-\(ProcessInfo.processInfo.processIdentifier)")
            try Data().write(to: probe)
            try manager.removeItem(at: probe)
        } catch {
            throw ExperimentError.outputFolder(path: folder.path, reason: Self.reason(error))
        }
        self.folder = folder
    }

    /// Runs `body` with the output folder of `folder` (checked writable first), or `nil` when there is
    /// none; when `body` throws, a folder it left empty is removed again.
    static func using<Value>(_ folder: URL?, _ body: (RunOutput?) throws -> Value) throws -> Value {
        let runOutput = try folder.map(RunOutput.init)
        do {
            return try body(runOutput)
        } catch {
            runOutput?.removeIfUnused()
            throw error
        }
    }

    /// Removes the folder if this run created it and nothing was written there (the run failed early).
    func removeIfUnused() {
        guard createdFolder, (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true else {
            return
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The short reason of a Foundation file error ("Permission denied"), without its dictionary dump.
    private static func reason(_ error: any Error) -> String {
        let text = CommandLineOptions.oneLine(error)
        return text.split(separator: ": ").last.map(String.init) ?? text
    }

    /// Streams the epochs' losses to `training.csv`.
    var trainingLog: CSVLogger { CSVLogger(path: folder.appendingPathComponent("training.csv")) }

    /// Saves the model into `model/` and writes `loss.svg` (when the model was trained here),
    /// `confusion-matrix.svg`, `roc.svg` and `charts` (file name → chart).
    func write(
        model: Sequential, history: History, test: DetectionReport, classNames: [String],
        charts: [(String, Chart)]
    ) throws {
        try model.save(to: folder.appendingPathComponent("model"))
        var all = [("roc.svg", Chart.roc(test.rocCurve))] + charts
        if !history.loss.isEmpty {
            let loss = Chart.lossCurve(
                loss: history.loss.map(Double.init), validationLoss: history.validationLoss.map(Double.init))
            all.insert(("loss.svg", loss), at: 0)
        }
        for (name, chart) in all {
            try chart.write(to: folder.appendingPathComponent(name))
        }
        try ConfusionMatrixChart(test.confusionMatrix, classNames: classNames)
            .write(to: folder.appendingPathComponent("confusion-matrix.svg"))
    }
}

extension RunOutput {
    /// Saves the deployable detector into `detector/` (see ``DeployedDetector/save(to:)``), for `monitor`.
    func write(detector: DeployedDetector) throws {
        try detector.save(to: folder.appendingPathComponent("detector"))
    }
}

/// The progress bar of a run, writing to `write` (`nil` when `verbosity` is silent). The experiments pass
/// it to `fit` as a callback, with `verbose: .silent`, so progress and log lines share one output stream.
func progressLogger(
    _ verbosity: Verbosity, epochs: Int, samples: Int, batchSize: Int,
    write: @escaping (String) -> Void
) -> ProgressLogger? {
    guard verbosity != .silent, batchSize > 0 else { return nil }
    let batches = samples / batchSize + (samples % batchSize == 0 ? 0 : 1)
    return ProgressLogger(verbosity: verbosity, epochs: epochs, batchesPerEpoch: batches, write: write)
}
