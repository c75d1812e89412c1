/// Per-epoch or per-batch figures passed to callbacks, keyed as in Keras (`"loss"`, `"val_loss"`).
public typealias Logs = [String: Float]

/// Hooks into `fit`, with Keras' callback events. Every method has an empty default, so a callback
/// implements only what it needs.
///
///     final class PrintLoss: Callback {
///         func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {
///             print(epoch, logs["loss"] ?? .nan)
///         }
///     }
///
/// A callback can end training by setting `model.stopTraining = true` (as `EarlyStopping` does).
public protocol Callback: AnyObject {
    /// Before the first epoch.
    func onTrainBegin(model: Sequential) throws
    /// After the last epoch (also after an early stop).
    func onTrainEnd(model: Sequential) throws
    /// Before each epoch (0-based).
    func onEpochBegin(_ epoch: Int, model: Sequential) throws
    /// After each epoch, with the epoch's `loss` and, when there is validation data, `val_loss`.
    func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws
    /// Before each batch (0-based within the epoch).
    func onBatchBegin(_ batch: Int, model: Sequential) throws
    /// After each batch, with the running mean `loss` of the epoch so far.
    func onBatchEnd(_ batch: Int, logs: Logs, model: Sequential) throws
}

extension Callback {
    public func onTrainBegin(model: Sequential) throws {}
    public func onTrainEnd(model: Sequential) throws {}
    public func onEpochBegin(_ epoch: Int, model: Sequential) throws {}
    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {}
    public func onBatchBegin(_ batch: Int, model: Sequential) throws {}
    public func onBatchEnd(_ batch: Int, logs: Logs, model: Sequential) throws {}
}
