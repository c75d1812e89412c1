/// Errors thrown while building, running or training layers and models.
public enum LayerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A layer received an input whose shape it cannot take. Shapes exclude the batch axis.
    case incompatibleInput(layer: String, expected: String, received: [Int])
    /// A hyperparameter is out of range (`Dense(units: 0)`).
    case invalidArgument(layer: String, argument: String, value: String, expected: String)
    /// `forward` or `backward` was called before `build`, or `backward` before `forward`.
    case notBuilt(layer: String)
    /// The input data's shape does not match the model's input shape.
    case dataShapeMismatch(expected: [Int], received: [Int])
    /// The targets' shape does not match the model's output.
    case targetShapeMismatch(expected: [Int], received: [Int])
    /// A training argument is out of range (`batchSize: 0`, `validationSplit: 1.5`).
    case invalidTrainingArgument(argument: String, value: String, expected: String)
    /// `fit` or `evaluate` before `compile`.
    case notCompiled
    /// The loss became NaN or infinite.
    case nonFiniteLoss(epoch: Int, batch: Int, value: Float)
    /// A layer's configuration cannot be decoded or names an unknown layer type.
    case unknownLayerType(String)
    /// A weight loaded from outside has the wrong shape.
    case weightShapeMismatch(parameter: String, expected: [Int], received: [Int])
    /// A saved configuration does not decode as the layer type's configuration.
    case invalidConfiguration(type: String, reason: String)
    /// A weight or one sample's activation would exceed ``SizeLimit/maximumElementCount`` elements
    /// (or overflow `Int`): `tensor` names it (`kernel`, `output`), `size` gives its shape.
    case tooLarge(layer: String, tensor: String, size: String, limit: Int)
    /// A weight name passed to `setWeights(_:)` (by name) is not one of the model's weight paths.
    case unknownWeight(name: String, available: [String])
    /// A weight of the model has no value among those given from outside.
    case missingWeight(name: String)

    public var description: String {
        switch self {
        case let .incompatibleInput(layer, expected, received):
            "layer '\(layer)': expected input \(expected), received shape \(received) (batch axis excluded)"
        case let .invalidArgument(layer, argument, value, expected):
            "layer '\(layer)': \(argument) = \(value) is invalid; expected \(expected)"
        case let .notBuilt(layer):
            "layer '\(layer)' is used before it was built (add it to a model or call build(inputShape:))"
        case let .dataShapeMismatch(expected, received):
            "data of shape \(received) does not match the model input [batch] + \(expected)"
        case let .targetShapeMismatch(expected, received):
            "targets of shape \(received) do not match the model output \(expected)"
        case let .invalidTrainingArgument(argument, value, expected):
            "\(argument) = \(value) is invalid; expected \(expected)"
        case .notCompiled:
            "the model must be compiled with compile(optimizer:loss:) before training or evaluation"
        case let .nonFiniteLoss(epoch, batch, value):
            "loss became \(value) at epoch \(epoch), batch \(batch): training stopped, the weights are those of the last good step (the data was checked finite: lower the learning rate)"
        case let .unknownLayerType(name):
            "unknown layer type '\(name)': register it with LayerRegistry.register(_:)"
        case let .weightShapeMismatch(parameter, expected, received):
            "weight '\(parameter)' has shape \(received); the layer expects \(expected)"
        case let .invalidConfiguration(type, reason):
            "invalid configuration for layer type '\(type)': \(reason)"
        case let .tooLarge(layer, tensor, size, limit):
            "layer '\(layer)': \(tensor) of size \(size) exceeds the limit of \(limit) elements per tensor"
        case let .unknownWeight(name, available):
            "the model has no weight '\(name)'; its weights are "
                + available.map { "'\($0)'" }.joined(separator: ", ")
        case let .missingWeight(name):
            "no value given for weight '\(name)' (every weight must be given; read them all with weightsByName)"
        }
    }
}
