/// Why a model or its weights could not be saved or loaded.
public enum SavingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)
    /// The file ends before the data its header announces.
    case truncated(path: String, expected: Int, found: Int)
    /// The file is not valid safetensors or not a valid model configuration.
    case corrupt(path: String, reason: String)
    /// A tensor is stored with an element type other than 32-bit float.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// The model has a weight the file lacks.
    case missingTensor(path: String, name: String)
    /// A stored tensor's shape differs from the model's weight.
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    /// A key appears twice in one JSON object of `config.json` or of the safetensors header (JSON
    /// readers would silently keep one of the values). `key` is the key and its JSON path.
    case duplicateKey(path: String, key: String)
    /// A safetensors entry is invalid: its keys, shape or `data_offsets`, or its place in the data
    /// section (tensors must tile it exactly, without overlap or gap).
    case invalidTensor(path: String, tensor: String, reason: String)
    /// A stored weight is NaN or infinite; `index` is its flat position in the tensor.
    case nonFiniteWeight(path: String, tensor: String, index: Int)
    /// The weights file holds a tensor the model has no weight for.
    case unexpectedTensor(path: String, name: String)
    /// `config.json` describes a model that cannot be loaded: `key` is the JSON path of the
    /// offending value (`layers[2].config.units`), `reason` what was expected.
    case invalidConfiguration(path: String, key: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read \(path): \(reason)"
        case let .unwritable(path, reason): "cannot write \(path): \(reason)"
        case let .truncated(path, expected, found):
            "\(path) is truncated: its header needs \(expected) bytes, the file has \(found)"
        case let .corrupt(path, reason): "\(path) is not a valid file: \(reason)"
        case let .unsupportedDType(path, tensor, dtype): "\(path): tensor '\(tensor)' is \(dtype), expected F32"
        case let .missingTensor(path, name): "\(path) has no tensor '\(name)'"
        case let .shapeMismatch(path, name, expected, found):
            "\(path): tensor '\(name)' has shape \(found), the model expects \(expected)"
        case let .duplicateKey(path, key): "\(path): duplicate JSON key \(key)"
        case let .invalidTensor(path, tensor, reason): "\(path): tensor '\(tensor)': \(reason)"
        case let .nonFiniteWeight(path, tensor, index):
            "\(path): tensor '\(tensor)' holds NaN or infinity at index \(index); expected finite weights"
        case let .unexpectedTensor(path, name): "\(path): tensor '\(name)' is not a weight of the model"
        case let .invalidConfiguration(path, key, reason): "\(path): \(key): \(reason)"
        }
    }
}
