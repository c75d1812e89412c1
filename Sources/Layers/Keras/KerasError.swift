/// Why a Keras model configuration or its weights cannot be translated to or from a ``Sequential``.
///
/// Every case names the layer (its Keras name, with the names of enclosing models and wrappers:
/// `"encoder/dense_1"`) and what is at fault, so that an unsupported model is refused with a reason
/// instead of being loaded into a model that would predict something else.
public enum KerasError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration is not a `Sequential` model (a `Functional` or subclassed model), or no
    /// model at all.
    case unsupportedModel(className: String)
    /// A layer's class has no counterpart in the library (`Attention`, a custom layer).
    case unsupportedLayer(layer: String, className: String)
    /// A layer option has a value the library does not support (`unroll: true`,
    /// `data_format: "channels_first"`, a kernel regularizer), or is an option the library does not know.
    case unsupportedOption(layer: String, option: String, value: String, supported: String)
    /// A value of the configuration is missing or of the wrong kind (`units` not an integer).
    case invalidConfiguration(layer: String, key: String, reason: String)
    /// The list of per-layer weight lists has another length than the model's layers.
    case layerCountMismatch(expected: Int, found: Int)
    /// A layer was given another number of weights than it has.
    case weightCountMismatch(layer: String, expected: Int, found: Int)
    /// A weight given for a layer has the wrong shape; `weight` is its Keras name inside the layer
    /// (`kernel`, `forward_lstm/recurrent_kernel`).
    case weightShapeMismatch(layer: String, weight: String, expected: [Int], found: [Int])
    /// A layer of the model cannot be written as a Keras 3 configuration (a custom layer, or
    /// Keras 2's `hard_sigmoid`, which Keras 3 no longer has).
    case notExpressible(layer: String, option: String, reason: String)
    /// A valid Keras file uses a storage feature the readers do not have (a compressed or chunked
    /// HDF5 dataset, a ZIP64 archive, …), named by `feature`.
    case unsupportedFile(path: String, feature: String)

    public var description: String {
        switch self {
        case let .unsupportedModel(className):
            "unsupported Keras model class '\(className)': only Sequential models can be translated"
        case let .unsupportedLayer(layer, className):
            "layer '\(layer)': Keras class '\(className)' has no counterpart in RareEventKit"
        case let .unsupportedOption(layer, option, value, supported):
            "layer '\(layer)': \(option) = \(value) is not supported; supported: \(supported)"
        case let .invalidConfiguration(layer, key, reason):
            "layer '\(layer)': \(key): \(reason)"
        case let .layerCountMismatch(expected, found):
            "\(found) weight lists given; the model has \(expected) layers"
        case let .weightCountMismatch(layer, expected, found):
            "layer '\(layer)': \(found) weights given, the layer has \(expected)"
        case let .weightShapeMismatch(layer, weight, expected, found):
            "layer '\(layer)': weight '\(weight)' has shape \(found), the layer expects \(expected)"
        case let .notExpressible(layer, option, reason):
            "layer '\(layer)': \(option) cannot be written as a Keras 3 configuration: \(reason)"
        case let .unsupportedFile(path, feature):
            "\(path): \(feature) is not supported (Keras and h5py do not write it by default)"
        }
    }
}
