import Foundation
import RareEventKit

/// The output folder of an example run: the training log while training, then the saved model and the
/// charts every run writes (loss, confusion matrix, ROC) plus the run's own.
struct RunOutput {
    let folder: URL

    /// Creates the folder if needed.
    init(_ folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
    }

    /// Streams the epochs' losses to `training.csv`.
    var trainingLog: CSVLogger { CSVLogger(path: folder.appendingPathComponent("training.csv")) }

    /// Saves the model into `model/` and writes `loss.svg`, `confusion-matrix.svg`, `roc.svg` and `charts`
    /// (file name → chart).
    func write(model: Sequential, history: History, test: DetectionReport, classNames: [String],
               charts: [(String, Chart)]) throws {
        try model.save(to: folder.appendingPathComponent("model"))
        let loss = Chart.lossCurve(loss: history.loss.map(Double.init), validationLoss: history.validationLoss.map(Double.init))
        for (name, chart) in [("loss.svg", loss), ("roc.svg", Chart.roc(test.rocCurve))] + charts {
            try chart.write(to: folder.appendingPathComponent(name))
        }
        try ConfusionMatrixChart(test.confusionMatrix, classNames: classNames)
            .write(to: folder.appendingPathComponent("confusion-matrix.svg"))
    }
}
