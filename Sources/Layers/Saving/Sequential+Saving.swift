import Foundation
import Tensor

/// The architecture of a ``Sequential`` model as stored in `config.json`, and a nested model's
/// configuration as a layer.
public struct ModelConfiguration: LayerConfiguration {
    /// Identifies the file (`"RareEventKit.Sequential"`).
    public var format: String
    /// The format version (1).
    public var version: Int
    /// The shape of one input sample.
    public var inputShape: [Int]
    /// The layers, each with its type name and its arguments (including user-registered types and
    /// nested models).
    public var layers: [LayerDescription]
    /// The model name (empty in files written before models had names).
    public var name: String

    /// Creates a configuration of the current format.
    public init(inputShape: [Int], layers: [LayerDescription], name: String) {
        (format, version, self.inputShape, self.layers, self.name) = ("RareEventKit.Sequential", 1, inputShape, layers, name)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        version = try container.decode(Int.self, forKey: .version)
        inputShape = try container.decode([Int].self, forKey: .inputShape)
        layers = try container.decode([LayerDescription].self, forKey: .layers)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
    }
}

extension Sequential {
    /// The file names inside a saved model folder.
    public static let configurationFileName = "config.json"
    /// The weights file inside a saved model folder.
    public static let weightsFileName = "model.safetensors"

    /// The architecture of the model: the input shape, the name, and each layer's type and arguments.
    /// Setting it renames the model; its layers change only through ``add(_:)``.
    public var configuration: ModelConfiguration {
        get { ModelConfiguration(inputShape: inputShape, layers: layers.map(LayerRegistry.describe), name: name) }
        set { name = newValue.name }
    }

    /// Rebuilds an unbuilt-weights model from its configuration (a nested model inside a saved one).
    ///
    /// - Throws: ``LayerError`` for an unsupported format, an unknown layer type or an architecture
    ///   that does not build.
    public convenience init(configuration: ModelConfiguration) throws {
        guard configuration.format == "RareEventKit.Sequential", configuration.version == 1 else {
            throw LayerError.invalidConfiguration(
                type: Self.typeName, reason: "unsupported format \(configuration.format) version \(configuration.version)")
        }
        self.init(inputShape: configuration.inputShape, name: configuration.name)
        for description in configuration.layers { try add(LayerRegistry.makeLayer(from: description)) }
    }

    /// Every weight keyed as `layer/weight` (for example `lstm/recurrent_kernel`, or
    /// `encoder/conv2d/kernel` in a nested model), in model order.
    public var namedWeights: [(name: String, tensor: Tensor)] {
        namedParameters.map { ($0.path, $0.parameter.value) }
    }

    /// Saves the whole model into a folder: `config.json` (architecture) and `model.safetensors`
    /// (weights), each written atomically. The folder is created when missing.
    ///
    /// ```swift
    /// try model.save(to: URL(fileURLWithPath: "runs/lstm-ae"))
    /// let again = try Sequential.load(from: URL(fileURLWithPath: "runs/lstm-ae"))
    /// ```
    ///
    /// The optimizer state is not saved: compile the loaded model again to continue training.
    ///
    /// - Throws: ``SavingError``.
    public func save(to folder: URL) throws(SavingError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: folder.path, reason: (error as NSError).localizedDescription)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let configurationURL = folder.appendingPathComponent(Self.configurationFileName)
        guard let json = try? encoder.encode(configuration) else {
            throw .unwritable(path: configurationURL.path, reason: "the configuration could not be encoded")
        }
        try writeAtomically(json, to: configurationURL)
        try saveWeights(to: folder.appendingPathComponent(Self.weightsFileName))
    }

    /// Rebuilds a model saved by ``save(to:)``: the layers from `config.json` (user layer types must be
    /// registered with ``LayerRegistry/register(_:)`` first), then the weights.
    ///
    /// - Throws: ``SavingError`` for unreadable, truncated or corrupt files, and ``LayerError`` for an
    ///   unknown layer type or an architecture that does not build.
    public static func load(from folder: URL) throws -> Sequential {
        let configurationURL = folder.appendingPathComponent(configurationFileName)
        let data = try readFile(configurationURL)
        let configuration: ModelConfiguration
        do {
            configuration = try JSONDecoder().decode(ModelConfiguration.self, from: data)
        } catch {
            throw SavingError.corrupt(path: configurationURL.path, reason: "\(error)")
        }
        guard configuration.format == "RareEventKit.Sequential", configuration.version == 1 else {
            throw SavingError.corrupt(path: configurationURL.path,
                                      reason: "unsupported format \(configuration.format) version \(configuration.version)")
        }
        let model = try Sequential(configuration: configuration)
        try model.loadWeights(from: folder.appendingPathComponent(weightsFileName))
        return model
    }

    /// Writes the weights alone as safetensors (Keras' `save_weights`), atomically.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)``.
    public func saveWeights(to url: URL) throws(SavingError) {
        try writeAtomically(Safetensors.encode(namedWeights, metadata: ["format": "RareEventKit"]), to: url)
    }

    /// Replaces every weight with the tensor of the same `layer/weight` name in a safetensors file.
    /// Nothing is changed unless every weight is present with the right shape.
    ///
    /// - Throws: ``SavingError``.
    public func loadWeights(from url: URL) throws(SavingError) {
        let (tensors, _) = try Safetensors.decode(try readFile(url), path: url.path)
        var assignments: [(Parameter, Tensor)] = []
        for (name, parameter) in namedParameters {
            guard let tensor = tensors[name] else { throw .missingTensor(path: url.path, name: name) }
            guard tensor.shape == parameter.value.shape else {
                throw .shapeMismatch(path: url.path, name: name, expected: parameter.value.shape, found: tensor.shape)
            }
            assignments.append((parameter, tensor))
        }
        for (parameter, tensor) in assignments { parameter.value = tensor }
    }

    /// A copy of every weight, to restore later with ``setWeights(_:)`` (Keras' `get_weights`).
    public func weights() -> [Tensor] { parameters.map(\.value) }

    /// Restores weights taken with ``weights()``.
    ///
    /// - Throws: ``LayerError/weightShapeMismatch(parameter:expected:received:)`` when they do not fit.
    public func setWeights(_ weights: [Tensor]) throws {
        let parameters = self.parameters
        guard weights.count == parameters.count else {
            throw LayerError.invalidTrainingArgument(argument: "weights", value: "\(weights.count) tensors",
                                                     expected: "\(parameters.count) tensors")
        }
        for (parameter, value) in zip(parameters, weights) where value.shape != parameter.value.shape {
            throw LayerError.weightShapeMismatch(parameter: parameter.name, expected: parameter.value.shape, received: value.shape)
        }
        for (parameter, value) in zip(parameters, weights) { parameter.value = value }
    }
}
