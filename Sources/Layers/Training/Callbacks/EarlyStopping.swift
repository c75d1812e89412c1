import Tensor

/// Stops training when a monitored figure has stopped improving (Keras `EarlyStopping`).
///
/// After each epoch the monitored value (default `val_loss`) is compared with the best so far; an
/// improvement by more than `minDelta` resets the wait, otherwise the wait grows, and when it reaches
/// `patience` training stops. With `restoreBestWeights` the model ends with the weights of its best
/// epoch (as Keras 3 does, also when training runs to the last epoch).
///
/// ```swift
/// let stop = EarlyStopping(monitor: "val_loss", patience: 5, restoreBestWeights: true)
/// try model.fit(x, x, epochs: 200, validationData: (vx, vx), callbacks: [stop])
/// print(stop.stoppedEpoch, stop.bestEpoch)
/// ```
///
/// A NaN or infinite monitored value is never silently treated as "no improvement": it throws
/// ``TrainingError/nonFiniteMonitoredValue(callback:key:value:)``; invalid settings (negative
/// `patience`, non-finite `minDelta`) throw when training begins.
public final class EarlyStopping: Callback {
    private var monitor: Monitor
    /// Epochs without improvement after which training stops.
    public let patience: Int
    /// Whether to end with the weights of the best epoch.
    public let restoreBestWeights: Bool
    /// The epoch (0-based) training stopped at, or `nil` when it ran to the end.
    public private(set) var stoppedEpoch: Int?
    /// The best epoch (0-based) seen.
    public private(set) var bestEpoch: Int?
    /// The best monitored value seen.
    public var bestValue: Float { monitor.best }
    private var wait = 0
    private var bestWeights: [Tensor]?

    /// Creates the callback.
    ///
    /// - Parameters:
    ///   - monitor: The log key to watch (`"val_loss"` or `"loss"`).
    ///   - minDelta: The smallest change that counts as an improvement (finite).
    ///   - patience: Epochs without improvement before stopping (≥ 0).
    ///   - mode: Whether smaller or larger is better.
    ///   - restoreBestWeights: End with the best epoch's weights.
    public init(
        monitor: String = "val_loss", minDelta: Float = 0, patience: Int = 0, mode: MonitorMode = .auto,
        restoreBestWeights: Bool = false
    ) {
        self.monitor = Monitor(key: monitor, mode: mode, minDelta: minDelta)
        self.patience = patience
        self.restoreBestWeights = restoreBestWeights
    }

    /// Resets the callback for a new run.
    /// - Throws: ``LayerError/invalidTrainingArgument(argument:value:expected:)`` when `patience` is
    ///   negative or `minDelta` is NaN or infinite.
    public func onTrainBegin(model: Sequential) throws {
        try monitor.validate(for: "EarlyStopping")
        guard patience >= 0 else {
            throw LayerError.invalidTrainingArgument(
                argument: "EarlyStopping patience", value: "\(patience)", expected: "an integer ≥ 0")
        }
        wait = 0
        stoppedEpoch = nil
        bestEpoch = nil
        bestWeights = nil
        monitor.reset()
    }

    /// Compares the monitored value with the best so far and stops training after `patience` epochs
    /// without improvement.
    /// - Throws: ``TrainingError/nonFiniteMonitoredValue(callback:key:value:)`` when the monitored
    ///   value is NaN or infinite (`fit` itself throws first for a non-finite `val_loss`), and
    ///   ``LayerError/invalidTrainingArgument(argument:value:expected:)`` when the key is not logged.
    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {
        let current = try monitor.value(in: logs, for: "EarlyStopping")
        if restoreBestWeights && bestWeights == nil { bestWeights = model.weights() }
        wait += 1
        if monitor.isImprovement(current) {
            monitor.record(current)
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = model.weights() }
            wait = 0
            return
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            model.stopTraining = true
        }
    }

    /// With `restoreBestWeights`, sets the best epoch's weights.
    public func onTrainEnd(model: Sequential) throws {
        if restoreBestWeights, let bestWeights { try model.setWeights(bestWeights) }
    }
}
