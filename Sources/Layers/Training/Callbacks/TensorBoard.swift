import Foundation

/// Writes each epoch's logs as TensorBoard scalars (Keras `TensorBoard`, its default
/// `update_freq="epoch"`), so `tensorboard --logdir <logDirectory>` plots the training curves.
///
/// Like Keras 3, it writes TensorFlow event files, `events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`,
/// into two folders of `logDirectory`:
///
/// - `train`: `epoch_loss` (and `epoch_<name>` for any other training log) and `epoch_learning_rate`,
///   the optimizer's learning rate at the end of the epoch, at step `epoch` (0-based).
/// - `validation` (when there is validation data): `epoch_loss` at step `epoch`, and
///   `evaluation_loss_vs_iterations` at step "optimizer steps so far", from the `val_` logs.
///
/// Each `fit` opens new files (the train file at its start, the validation file at the first
/// validation); records are appended and written through after every epoch, so a running TensorBoard
/// follows training live. Missing folders are created.
///
/// ```swift
/// try model.fit(
///     x, x, epochs: 200, validationSplit: 0.2,
///     callbacks: [TensorBoard(logDirectory: URL(fileURLWithPath: "logs/run1"))])
/// // tensorboard --logdir logs
/// ```
public final class TensorBoard: Callback {
    /// The folder holding `train` and `validation`.
    public let logDirectory: URL
    private var train: TensorBoardEventFile?
    private var validation: TensorBoardEventFile?

    /// Creates the callback; nothing is written before training begins.
    ///
    /// - Parameter logDirectory: The run's folder (Keras' `log_dir`), created when missing.
    public init(logDirectory: URL) {
        self.logDirectory = logDirectory
    }

    /// The event file of the `train` folder of the running (or last) `fit`, `nil` before training.
    public var trainFile: URL? { train?.url }
    /// The event file of the `validation` folder of the running (or last) `fit`, `nil` before the
    /// first validation.
    public var validationFile: URL? { validation?.url }

    /// Opens a new event file in `train`.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)`` when the folder or file cannot be created.
    public func onTrainBegin(model: Sequential) throws {
        train?.close()
        validation?.close()
        validation = nil
        train = try TensorBoardEventFile(folder: logDirectory.appendingPathComponent("train"))
    }

    /// Appends the epoch's scalars, in Keras' order: the validation file's
    /// `evaluation_<name>_vs_iterations`, then the train file's `epoch_<name>` and
    /// `epoch_learning_rate`, then the validation file's `epoch_<name>`.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)`` when a file cannot be written.
    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {
        let trainLogs = logs.filter { !$0.key.hasPrefix("val_") }.sorted { $0.key < $1.key }
        let validationLogs = logs.compactMap { key, value in
            key.hasPrefix("val_") ? (String(key.dropFirst(4)), value) : nil
        }.sorted { $0.0 < $1.0 }
        func scalar(_ tag: String, _ value: Float, step: Int) -> [UInt8] {
            TensorBoardEvent.scalar(tag: tag, value: value, step: step, wallTime: Date().timeIntervalSince1970)
        }
        if !validationLogs.isEmpty, validation == nil {
            validation = try TensorBoardEventFile(folder: logDirectory.appendingPathComponent("validation"))
        }
        if let validation, let optimizer = model.optimizer {
            try validation.append(
                validationLogs.map { scalar("evaluation_\($0.0)_vs_iterations", $0.1, step: optimizer.iterations) })
        }
        if train == nil { train = try TensorBoardEventFile(folder: logDirectory.appendingPathComponent("train")) }
        var trainEvents = trainLogs.map { scalar("epoch_\($0.key)", $0.value, step: epoch) }
        if let optimizer = model.optimizer {
            trainEvents.append(scalar("epoch_learning_rate", optimizer.learningRate, step: epoch))
        }
        try train?.append(trainEvents)
        if let validation {
            try validation.append(validationLogs.map { scalar("epoch_\($0.0)", $0.1, step: epoch) })
        }
    }

    /// Closes the files (Keras closes its writers here too; the next `fit` opens new ones).
    public func onTrainEnd(model: Sequential) throws {
        train?.close()
        validation?.close()
    }
}
