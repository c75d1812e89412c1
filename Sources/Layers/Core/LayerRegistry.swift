import Foundation
import Synchronization

/// A layer's type name and configuration, as stored in a saved model's JSON.
///
///     {"type": "Dense", "config": {"units": 16, "activation": "relu", …}}
public struct LayerDescription: Codable, Equatable, Sendable {
    /// The layer's ``Layer/typeName``.
    public var type: String
    /// The layer's configuration as JSON.
    public var config: JSONValue

    /// Creates a description from a layer type name and its configuration.
    public init(type: String, config: JSONValue) {
        self.type = type
        self.config = config
    }
}

/// Maps type names to layer types so that saved models can be rebuilt.
///
/// The library's layers are registered already; register your own once before loading a model
/// that uses them:
///
///     LayerRegistry.register(Swish.self)
public enum LayerRegistry {
    private typealias Factory = @Sendable (JSONValue) throws -> any Layer
    private static let factories = Mutex<[String: Factory]>([
        Dense.typeName: factory(Dense.self),
        LSTM.typeName: factory(LSTM.self),
        GRU.typeName: factory(GRU.self),
        SimpleRNN.typeName: factory(SimpleRNN.self),
        RepeatVector.typeName: factory(RepeatVector.self),
        // Containers read their configuration straight from the JSON tree: a round trip through
        // text at every level would make decoding nested models quadratic.
        TimeDistributed.typeName: { json in
            let (layer, name, _) = try wrapper(json, type: TimeDistributed.typeName)
            return try TimeDistributed(configuration: .init(layer: layer, name: name))
        },
        Bidirectional.typeName: { json in
            let (layer, name, members) = try wrapper(json, type: Bidirectional.typeName)
            guard case let .string(text)? = members["mergeMode"],
                let mergeMode = Bidirectional.MergeMode(rawValue: text)
            else {
                throw LayerError.invalidConfiguration(
                    type: Bidirectional.typeName,
                    reason: "expected mergeMode: one of "
                        + Bidirectional.MergeMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
            }
            return try Bidirectional(configuration: .init(layer: layer, mergeMode: mergeMode, name: name))
        },
        Sequential.typeName: { json in try Sequential(configuration: ModelConfiguration(json: json)) },
        Flatten.typeName: factory(Flatten.self),
        Reshape.typeName: factory(Reshape.self),
        MaxPooling2D.typeName: factory(MaxPooling2D.self),
        UpSampling2D.typeName: factory(UpSampling2D.self),
        Dropout.typeName: factory(Dropout.self),
        GaussianNoise.typeName: factory(GaussianNoise.self),
        Conv2D.typeName: factory(Conv2D.self),
        Conv2DTranspose.typeName: factory(Conv2DTranspose.self),
        Conv1D.typeName: factory(Conv1D.self),
        MaxPooling1D.typeName: factory(MaxPooling1D.self),
        UpSampling1D.typeName: factory(UpSampling1D.self),
        GlobalAveragePooling1D.typeName: factory(GlobalAveragePooling1D.self),
        LayerNormalization.typeName: factory(LayerNormalization.self),
        BatchNormalization.typeName: factory(BatchNormalization.self),
    ])

    /// The wrapped layer's description, the name and all members of a wrapper's configuration,
    /// `{"layer": {"type": …, "config": …}, "name": …, …}` (the name may be absent: empty).
    private static func wrapper(
        _ json: JSONValue, type: String
    ) throws -> (layer: LayerDescription, name: String, members: [String: JSONValue]) {
        guard case let .object(members) = json, let layer = members["layer"], case let .object(inner) = layer,
            case let .string(innerType)? = inner["type"], let config = inner["config"]
        else {
            throw LayerError.invalidConfiguration(type: type, reason: "expected layer: {\"type\": …, \"config\": …}")
        }
        var name = ""
        if let value = members["name"] {
            guard case let .string(text) = value else {
                throw LayerError.invalidConfiguration(type: type, reason: "expected a string name")
            }
            name = text
        }
        return (LayerDescription(type: innerType, config: config), name, members)
    }

    private static func factory<L: Layer>(_ type: L.Type) -> Factory {
        { json in
            let configuration: L.Configuration
            do {
                configuration = try json.decode(L.Configuration.self)
            } catch {
                throw LayerError.invalidConfiguration(type: L.typeName, reason: "\(error)")
            }
            return try L(configuration: configuration)
        }
    }

    /// Makes `type` loadable by its ``Layer/typeName``. Registering a name again replaces it.
    public static func register<L: Layer>(_ type: L.Type) {
        factories.withLock { $0[L.typeName] = factory(type) }
    }

    /// Whether a type name is registered.
    public static func isRegistered(_ typeName: String) -> Bool {
        factories.withLock { $0[typeName] != nil }
    }

    /// The description (type and configuration) of a layer.
    ///
    /// The layer's ``Layer/name`` is stored under `"name"` in the configuration even when the layer's
    /// `Configuration` leaves it out of its `Codable` keys, and ``makeLayer(from:)`` gives it back:
    /// saved weights are keyed by that name.
    public static func describe(_ layer: any Layer) -> LayerDescription {
        func open<L: Layer>(_ layer: L) -> LayerDescription {
            // Encoding a Codable struct of numbers, strings and enums cannot fail.
            var config = (try? JSONValue(encoding: layer.configuration)) ?? .null
            if case var .object(members) = config {
                members["name"] = .string(layer.name)
                config = .object(members)
            }
            return LayerDescription(type: L.typeName, config: config)
        }
        return open(layer)
    }

    /// Creates an unbuilt layer from its description, named as the description says (`"name"` in
    /// its configuration).
    /// - Throws: ``LayerError/unknownLayerType(_:)`` or ``LayerError/invalidConfiguration(type:reason:)``
    ///   (also when the layer does not keep the stored name).
    public static func makeLayer(from description: LayerDescription) throws -> any Layer {
        guard let factory = factories.withLock({ $0[description.type] }) else {
            throw LayerError.unknownLayerType(description.type)
        }
        let layer = try factory(description.config)
        if case let .object(members) = description.config, case let .string(name)? = members["name"], layer.name != name
        {
            layer.name = name
            guard layer.name == name else {
                throw LayerError.invalidConfiguration(
                    type: description.type,
                    reason:
                        "the layer does not keep the name \"\(name)\" it is given (its name reads \"\(layer.name)\"); "
                        + "declare `var name: String` as a stored property of its Configuration")
            }
        }
        return layer
    }
}

/// A JSON value, used to keep each layer's configuration as structured JSON inside a model file.
public enum JSONValue: Codable, Equatable, Sendable {
    /// JSON `null`.
    case null
    /// A JSON `true` or `false`.
    case bool(Bool)
    /// A JSON number.
    case number(Double)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object.
    case object([String: JSONValue])

    /// Encodes a `Codable` value as JSON.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// Decodes a `Codable` value from this JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }
}
