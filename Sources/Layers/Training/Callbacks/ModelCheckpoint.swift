import Foundation

/// Saves the model after epochs (Keras `ModelCheckpoint`): every epoch, or only when the monitored
/// figure improves. The path may contain `{epoch}` (1-based, like Keras' `{epoch:02d}` without the
/// format), replaced at each save. Missing parent folders are created.
///
/// An interrupted run (an error, a crash, `kill -9`, at any moment) never leaves a half-written
/// checkpoint: the path holds the complete previous checkpoint, the complete new one, or, while the
/// very first save is under way, nothing. A model folder is written whole into a hidden temporary
/// folder beside it and swapped into place (``Sequential/save(to:)`` gives the details); a weights file
/// is written to a temporary file and renamed over the previous one (``Sequential/saveWeights(to:)``).
/// The previous checkpoint is deleted only after the new one is complete, and the temporaries of a
/// killed run are removed by the next save to the same path.
///
/// ```swift
/// let checkpoint = ModelCheckpoint(path: runs.appendingPathComponent("best"), saveBestOnly: true)
/// ```
public final class ModelCheckpoint: Callback {
    /// Where to save: a model folder (``Sequential/save(to:)``; an existing one may hold only a saved
    /// model, since it is replaced whole) or, with `saveWeightsOnly`, a `.safetensors` file.
    public let path: URL
    /// Save only when the monitored value improves.
    public let saveBestOnly: Bool
    /// Save only the weights (``Sequential/saveWeights(to:)``).
    public let saveWeightsOnly: Bool
    private var monitor: Monitor
    /// The epochs (0-based) at which the model was saved.
    public private(set) var savedEpochs: [Int] = []

    /// Creates the callback.
    public init(
        path: URL, monitor: String = "val_loss", saveBestOnly: Bool = false, saveWeightsOnly: Bool = false,
        mode: MonitorMode = .auto
    ) {
        self.path = path
        self.saveBestOnly = saveBestOnly
        self.saveWeightsOnly = saveWeightsOnly
        self.monitor = Monitor(key: monitor, mode: mode, minDelta: 0)
    }

    public func onTrainBegin(model: Sequential) throws {
        monitor.reset()
        savedEpochs = []
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {
        if saveBestOnly {
            let current = try monitor.value(in: logs, for: "ModelCheckpoint")
            guard monitor.isImprovement(current) else { return }
            monitor.record(current)
        }
        let url = URL(fileURLWithPath: path.path.replacingOccurrences(of: "{epoch}", with: "\(epoch + 1)"))
        if saveWeightsOnly { try model.saveWeights(to: url) } else { try model.save(to: url) }
        savedEpochs.append(epoch)
    }
}
