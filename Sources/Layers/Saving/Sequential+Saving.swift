import Foundation
import Tensor

/// The architecture of a ``Sequential`` model as stored in `config.json`.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// Identifies the file (`"RareEventKit.Sequential"`).
    public var format: String
    /// The format version (1).
    public var version: Int
    /// The shape of one input sample.
    public var inputShape: [Int]
    /// The layers, each with its type name and its arguments (including user-registered types).
    public var layers: [LayerDescription]
}

extension Sequential {
    /// The file names inside a saved model folder.
    public static let configurationFileName = "config.json"
    /// The weights file inside a saved model folder.
    public static let weightsFileName = "model.safetensors"

    /// The architecture of the model: the input shape and each layer's type and arguments.
    public var configuration: ModelConfiguration {
        ModelConfiguration(format: "RareEventKit.Sequential", version: 1, inputShape: inputShape,
                           layers: layers.map(LayerRegistry.describe))
    }

    /// Every weight keyed as `layer/weight` (for example `lstm/recurrent_kernel`), in model order.
    public var namedWeights: [(name: String, tensor: Tensor)] {
        layers.flatMap { layer in layer.parameters.map { ("\(layer.name)/\($0.name)", $0.value) } }
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
        let model = Sequential(inputShape: configuration.inputShape)
        for description in configuration.layers { try model.add(LayerRegistry.makeLayer(from: description)) }
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
        for layer in layers {
            for parameter in layer.parameters {
                let name = "\(layer.name)/\(parameter.name)"
                guard let tensor = tensors[name] else { throw .missingTensor(path: url.path, name: name) }
                guard tensor.shape == parameter.value.shape else {
                    throw .shapeMismatch(path: url.path, name: name, expected: parameter.value.shape, found: tensor.shape)
                }
                assignments.append((parameter, tensor))
            }
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
