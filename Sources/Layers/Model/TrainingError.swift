/// Errors thrown when training or evaluation would otherwise produce or accept NaN or infinite
/// numbers (invalid arguments are ``LayerError/invalidTrainingArgument(argument:value:expected:)``,
/// a non-finite training loss ``LayerError/nonFiniteLoss(epoch:batch:value:)``).
///
/// After any of these errors the model's weights are finite: a step that would have made a weight
/// NaN or infinite is refused before it changes anything.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A data tensor holds a NaN or infinite value. `tensor` names it (`"x"`, `"y"`,
    /// `"validation x"`, `"validation y"`); `index` is the value's position, batch axis first.
    case nonFiniteData(tensor: String, index: [Int], value: Float)
    /// An optimizer step would have made the weight at `parameter` (its path, as in
    /// ``Sequential/namedParameters``) or its optimizer state NaN or infinite. The step was refused:
    /// the weights and the optimizer state are those from before it. `step` is the refused
    /// optimizer step (1-based, ``Optimizer/iterations`` + 1); `epoch` and `batch` (0-based) locate it
    /// in `fit` and are `nil` for ``Sequential/trainOnBatch(_:_:)``.
    case nonFiniteWeights(parameter: String, step: Int, epoch: Int?, batch: Int?)
    /// The validation loss after epoch `epoch` (0-based) is NaN or infinite (an overflow in the
    /// forward pass, since weights and data are checked). Training stops with the weights of that epoch.
    case nonFiniteValidationLoss(epoch: Int, value: Float)
    /// A callback's monitored figure (`key`) is NaN or infinite, so it cannot be compared with the best.
    case nonFiniteMonitoredValue(callback: String, key: String, value: Float)

    /// One line naming what is wrong and where.
    public var description: String {
        switch self {
        case let .nonFiniteData(tensor, index, value):
            "\(tensor) holds \(value) at index \(index): training and evaluation data must be finite"
        case let .nonFiniteWeights(parameter, step, epoch, batch):
            "weight '\(parameter)' would become NaN or infinite at optimizer step \(step)"
                + (epoch.map { e in " (epoch \(e), batch \(batch ?? 0))" } ?? "")
                + ": step refused, weights kept from before it (lower the learning rate or scale the data)"
        case let .nonFiniteValidationLoss(epoch, value):
            "validation loss became \(value) after epoch \(epoch): training stopped (lower the learning rate or scale the data)"
        case let .nonFiniteMonitoredValue(callback, key, value):
            "\(callback): monitored '\(key)' is \(value); it must be finite to compare with the best value"
        }
    }
}
