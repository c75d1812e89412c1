/// What `fit` returns: each epoch's figures (Keras `History`).
///
/// Every recorded figure is finite: when a batch loss or the validation loss is NaN or infinite,
/// `fit` throws (``LayerError/nonFiniteLoss(epoch:batch:value:)``,
/// ``TrainingError/nonFiniteValidationLoss(epoch:value:)``) instead of recording it.
///
///     let history = try model.fit(x, x, epochs: 20)
///     history.loss.last          // training loss of the last epoch
///     history["val_loss"]        // validation losses, when there was validation data
public struct History: Sendable, Equatable {
    /// The epochs that ran (0-based); shorter than requested after an early stop.
    public internal(set) var epochs: [Int] = []
    /// Figures per epoch, keyed as in Keras (`"loss"`, `"val_loss"`).
    public internal(set) var metrics: [String: [Float]] = [:]

    /// An empty history: a model that was not trained (loaded from a file, say).
    public init() {}

    /// The training loss per epoch.
    public var loss: [Float] { metrics["loss"] ?? [] }
    /// The validation loss per epoch (empty without validation data).
    public var validationLoss: [Float] { metrics["val_loss"] ?? [] }

    /// The figures recorded under `key`.
    public subscript(key: String) -> [Float] { metrics[key] ?? [] }

    mutating func record(epoch: Int, logs: Logs) {
        epochs.append(epoch)
        for (key, value) in logs { metrics[key, default: []].append(value) }
    }
}
