import Foundation
import Tensor
internal import FileFormats

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
    /// (weights). Missing parent folders are created.
    ///
    /// ```swift
    /// try model.save(to: URL(fileURLWithPath: "runs/lstm-ae"))
    /// let again = try Sequential.load(from: URL(fileURLWithPath: "runs/lstm-ae"))
    /// ```
    ///
    /// The folder is written atomically as a whole: both files go into a hidden temporary folder next
    /// to it (`.<name>.tmp-<pid>-<random>`), are flushed to disk, and the temporary folder is then moved
    /// into place. An existing model folder is replaced in one atomic swap (`renameat2(RENAME_EXCHANGE)`
    /// on Linux, `renamex_np(RENAME_SWAP)` on Apple systems), and the previous model is deleted only
    /// once the new one is complete. So whenever the process is killed, `folder` holds either the complete
    /// previous model, or the complete new one, or (a first save not finished yet) nothing; never a
    /// folder with only one of the files. Temporaries are removed on success and on errors, and those
    /// of a killed process are removed by the next save to the same folder.
    ///
    /// Because an existing folder is replaced whole, it may hold only `config.json` and
    /// `model.safetensors`: saving into a folder holding anything else throws instead of deleting it.
    /// (On file systems without an atomic swap, a kill between the two renames leaves `folder` missing
    /// for a moment, with the previous model complete under `.<name>.old-<pid>-<random>`; the next save
    /// puts it back first.)
    ///
    /// The optimizer state is not saved: compile the loaded model again to continue training.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)`` naming the folder and what failed, for
    ///   example when `folder` is an existing file, holds other files, or its parent cannot be created.
    public func save(to folder: URL) throws(SavingError) {
        try save(to: folder, allowingExchange: true) { _ in nil }
    }

    /// How a test interrupts ``save(to:allowingExchange:interrupt:)`` after a step.
    enum SaveInterruption {
        /// The save fails there with ``SavingError/unwritable(path:reason:)`` (and cleans up).
        case fail
        /// The save stops there without cleaning up, as `kill -9` would, and throws.
        case crash
    }

    /// ``save(to:)`` with test controls: `allowingExchange: false` forces the two-rename scheme, and
    /// `interrupt` is asked after each step of the folder write (named "createdTemporaryFolder",
    /// "wroteFile(config.json)", "wroteFile(model.safetensors)", "wroteAllFiles",
    /// "movedPreviousAside" (two renames only) and "movedIntoPlace") whether to stop there.
    func save(to folder: URL, allowingExchange: Bool, interrupt: (String) -> SaveInterruption?) throws(SavingError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(configuration) else {
            throw .unwritable(path: folder.appendingPathComponent(Self.configurationFileName).path,
                              reason: "the configuration could not be encoded")
        }
        let weights = Safetensors.encode(namedWeights, metadata: ["format": "RareEventKit"])
        do {
            try AtomicFile.writeFolder([(Self.configurationFileName, json), (Self.weightsFileName, weights)],
                                       to: folder, allowingExchange: allowingExchange) { step throws(AtomicWriteError) in
                switch interrupt(step.description) {
                case nil: break
                case .fail: throw AtomicWriteError(path: folder.path, reason: "injected failure after \(step)")
                case .crash: throw AtomicWriteError.simulatedCrash
                }
            }
        } catch {
            throw .unwritable(path: error.path, reason: error.reason)
        }
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

    /// Writes the weights alone as safetensors (Keras' `save_weights`), atomically: a temporary file
    /// next to `url`, flushed, then renamed over it, so `url` always holds the complete previous or
    /// the complete new weights. Missing parent folders are created.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)`` naming the file and what failed (for example
    ///   `url` is a folder, or a file is in the way of its parent folder).
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
