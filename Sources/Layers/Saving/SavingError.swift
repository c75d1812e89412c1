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
        }
    }
}
