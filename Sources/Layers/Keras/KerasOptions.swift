import Tensor

/// Which Keras wrote a configuration: the meaning of `hard_sigmoid` changed between the two.
public enum KerasDialect: String, Sendable, CaseIterable {
    /// Keras 2 and tf.keras (`batch_input_shape`, `hard_sigmoid` = `clip(0.2·x + 0.5, 0, 1)`).
    case keras2
    /// Keras 3 (`batch_shape`, `DTypePolicy` objects, `hard_sigmoid` = `clip(x/6 + 0.5, 0, 1)`).
    case keras3
}

/// Reads one Keras layer configuration (`{"name": …, "units": …}`), remembering which keys were read
/// so that an option the translation does not know is refused instead of silently ignored.
struct KerasOptions {
    let members: [String: JSONValue]
    /// The layer's path for errors (`"encoder/dense_1"`).
    let layer: String
    let dialect: KerasDialect
    private(set) var read: Set<String> = []

    init(_ json: JSONValue?, layer: String, dialect: KerasDialect) throws {
        guard case let .object(members)? = json else {
            throw KerasError.invalidConfiguration(layer: layer, key: "config", reason: "expected a JSON object")
        }
        (self.members, self.layer, self.dialect) = (members, layer, dialect)
    }

    func invalid(_ key: String, _ reason: String) -> KerasError {
        .invalidConfiguration(layer: layer, key: key, reason: reason)
    }

    func unsupported(_ key: String, _ value: JSONValue?, _ supported: String) -> KerasError {
        .unsupportedOption(layer: layer, option: key, value: Self.render(value), supported: supported)
    }

    /// A short JSON rendering of a value for error messages.
    static func render(_ value: JSONValue?) -> String {
        switch value {
        case nil: "(absent)"
        case .null?: "null"
        case let .bool(flag)?: flag ? "true" : "false"
        case let .number(number)?: Int(exactly: number).map(String.init) ?? "\(number)"
        case let .string(text)?: "\"\(text)\""
        case let .array(elements)?: "[" + elements.map { render($0) }.joined(separator: ", ") + "]"
        case let .object(members)?:
            if case let .string(name)? = members["class_name"] { name } else { "{…}" }
        }
    }

    /// The value of `key` (marking it read), `nil` when absent.
    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        return members[key]
    }

    mutating func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        switch value(key) {
        case let .number(number)?:
            guard let integer = Int(exactly: number) else { throw invalid(key, "expected an integer") }
            return integer
        case nil, .null?:
            guard let fallback else { throw invalid(key, "expected an integer") }
            return fallback
        default: throw invalid(key, "expected an integer")
        }
    }

    mutating func float(_ key: String, default fallback: Float) throws -> Float {
        switch value(key) {
        case let .number(number)?: return Float(number)
        case nil: return fallback
        default: throw invalid(key, "expected a number")
        }
    }

    mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        switch value(key) {
        case let .bool(flag)?: return flag
        case nil: return fallback
        default: throw invalid(key, "expected true or false")
        }
    }

    mutating func string(_ key: String, default fallback: String? = nil) throws -> String {
        switch value(key) {
        case let .string(text)?: return text
        case nil:
            guard let fallback else { throw invalid(key, "expected a string") }
            return fallback
        default: throw invalid(key, "expected a string")
        }
    }

    /// An integer or a list of integers (Keras writes `kernel_size` as `[3]` or `3`), as `count` entries.
    mutating func ints(_ key: String, count: Int, default fallback: [Int]? = nil) throws -> [Int] {
        let raw = value(key)
        var result: [Int] = []
        switch raw {
        case let .number(number)?:
            guard let integer = Int(exactly: number) else { throw invalid(key, "expected integers") }
            result = Array(repeating: integer, count: count)
        case let .array(elements)?:
            for case let .number(number) in elements {
                if let integer = Int(exactly: number) { result.append(integer) }
            }
            guard result.count == elements.count, result.count == count else {
                throw invalid(key, "expected \(count) integer\(count == 1 ? "" : "s")")
            }
        case nil, .null?:
            guard let fallback else { throw invalid(key, "expected integers") }
            result = fallback
        default: throw invalid(key, "expected integers")
        }
        return result
    }

    /// Requires `key` to be absent or one of `allowed` (Keras' default first): options that change
    /// nothing the library computes when they have these values.
    mutating func require(_ key: String, in allowed: [JSONValue], _ supported: String) throws {
        let given = value(key)
        guard let given else { return }
        if allowed.contains(given) { return }
        if case let .number(number) = given, allowed.contains(where: { $0 == .number(number) }) { return }
        throw unsupported(key, given, supported)
    }

    /// Requires each of `keys` to be absent or null (regularizers, constraints the library lacks).
    mutating func requireNull(_ keys: String...) throws {
        for key in keys {
            try require(key, in: [.null], "null (the library has no \(key.replacingOccurrences(of: "_", with: " ")))")
        }
    }

    /// The activation named by `key`.
    mutating func activation(_ key: String, default fallback: Activation) throws -> Activation {
        let given = value(key)
        guard let given else { return fallback }
        var name: String
        switch given {
        case .null: return .linear
        case let .string(text): name = text
        case let .object(object):
            // A serialized function: {"module": "keras.activations", "class_name": "function", "config": "relu"}.
            guard case let .string(text)? = object["config"] ?? object["class_name"] else {
                throw unsupported(key, given, Self.activationNames)
            }
            name = text
        default: throw unsupported(key, given, Self.activationNames)
        }
        if name.hasPrefix("keras.activations.") { name = String(name.dropFirst("keras.activations.".count)) }
        switch name {
        case "linear": return .linear
        case "relu": return .relu
        case "tanh": return .tanh
        case "sigmoid": return .sigmoid
        case "softmax": return .softmax
        case "hard_sigmoid" where dialect == .keras2: return .hardSigmoid
        case "hard_sigmoid":
            throw KerasError.unsupportedOption(
                layer: layer, option: key, value: "\"hard_sigmoid\" (Keras 3: clip(x/6 + 0.5, 0, 1))",
                supported: Self.activationNames + " (the library's hard_sigmoid is Keras 2's clip(0.2·x + 0.5, 0, 1))")
        default: throw unsupported(key, given, Self.activationNames)
        }
    }

    static let activationNames = "linear, relu, tanh, sigmoid, softmax, hard_sigmoid (Keras 2)"

    /// The initializer of `key`; one the library lacks gives `fallback` (initializers matter only for
    /// new training: loaded weights replace them).
    mutating func initializer(_ key: String, default fallback: Initializer) -> Initializer {
        let given = value(key)
        var name: String?
        var config: [String: JSONValue] = [:]
        switch given {
        case let .string(text)?: name = text
        case let .object(object)?:
            if case let .string(text)? = object["class_name"] { name = text }
            if case let .object(members)? = object["config"] { config = members }
        default: break
        }
        func number(_ key: String) -> Double? {
            if case let .number(value)? = config[key] { value } else { nil }
        }
        switch name {
        case "GlorotUniform", "glorot_uniform": return .glorotUniform
        case "Orthogonal", "orthogonal": return number("gain").map { $0 == 1 } ?? true ? .orthogonal : fallback
        case "Zeros", "zeros": return .zeros
        case "Ones", "ones": return .ones
        case "HeUniform", "he_uniform": return .heUniform
        case "RandomUniform", "random_uniform":
            return (number("minval") ?? -0.05) == -0.05 && (number("maxval") ?? 0.05) == 0.05
                ? .randomUniform : fallback
        case "RandomNormal", "random_normal":
            return (number("mean") ?? 0) == 0 && (number("stddev") ?? 0.05) == 0.05 ? .randomNormal : fallback
        default: return fallback
        }
    }

    /// An activity regularizer: `null`, `L1`, `L2` or `L1L2`.
    mutating func regularizer(_ key: String) throws -> Regularizer? {
        let given = value(key)
        guard let given, given != .null else { return nil }
        guard case let .object(object) = given, case let .string(className)? = object["class_name"] else {
            throw unsupported(key, given, "null, L1, L2, L1L2")
        }
        var config: [String: JSONValue] = [:]
        if case let .object(members)? = object["config"] { config = members }
        func factor(_ name: String) throws -> Float {
            switch config[name] {
            case let .number(value)?: return Float(value)
            case nil, .null?: return 0
            default: throw invalid(key, "expected a number \(name)")
            }
        }
        switch className {
        case "L1", "l1": return .l1(try factor("l1"))
        case "L2", "l2": return .l2(try factor("l2"))
        case "L1L2", "l1_l2":
            let (l1, l2) = (try factor("l1"), try factor("l2"))
            return l2 == 0 ? .l1(l1) : l1 == 0 ? .l2(l2) : .l1l2(l1: l1, l2: l2)
        default: throw unsupported(key, given, "null, L1, L2, L1L2")
        }
    }

    /// Checks `dtype` (float32 only) and marks the keys every layer has and that change nothing
    /// computed (`name`, `trainable`, `seed`, initializers' and Keras' bookkeeping).
    mutating func common() throws {
        let given = value("dtype")
        var dtype: String?
        switch given {
        case nil, .null?: dtype = "float32"
        case let .string(text)?: dtype = text
        case let .object(object)?:
            if case let .object(config)? = object["config"], case let .string(text)? = config["name"] { dtype = text }
        default: break
        }
        guard dtype == "float32" else { throw unsupported("dtype", given, "float32") }
        for key in ["name", "trainable", "seed", "batch_input_shape", "batch_shape", "input_shape", "build_config"] {
            read.insert(key)
        }
    }

    /// Throws for a key that was not read: an option the translation does not know.
    func finish() throws {
        if let unknown = members.keys.filter({ !read.contains($0) }).min() {
            throw unsupported(
                unknown, members[unknown], "no such option in the translation (Keras 3.15 / tf.keras 2.21)")
        }
    }
}
