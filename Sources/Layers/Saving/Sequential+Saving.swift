internal import FileFormats
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
        (format, version, self.inputShape, self.layers, self.name) = (
            "RareEventKit.Sequential", 1, inputShape, layers, name
        )
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        version = try container.decode(Int.self, forKey: .version)
        inputShape = try container.decode([Int].self, forKey: .inputShape)
        layers = try container.decode([LayerDescription].self, forKey: .layers)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
    }

    /// Reads a configuration from JSON already decoded (a nested model's), without a round trip
    /// through text, so that decoding nested models stays linear in the file size.
    init(json: JSONValue) throws {
        func fail(_ reason: String) -> LayerError { .invalidConfiguration(type: Sequential.typeName, reason: reason) }
        guard case let .object(members) = json else { throw fail("expected a JSON object") }
        guard case let .string(format)? = members["format"] else { throw fail("expected a string format") }
        guard case let .number(version)? = members["version"], let version = Int(exactly: version) else {
            throw fail("expected an integer version")
        }
        guard case let .array(shape)? = members["inputShape"] else {
            throw fail("expected inputShape, a list of integers")
        }
        var inputShape: [Int] = []
        for case let .number(size) in shape { if let size = Int(exactly: size) { inputShape.append(size) } }
        guard inputShape.count == shape.count else { throw fail("expected inputShape, a list of integers") }
        guard case let .array(layers)? = members["layers"] else { throw fail("expected layers, a list") }
        let descriptions = try layers.map { value throws -> LayerDescription in
            guard case let .object(layer) = value, case let .string(type)? = layer["type"], let config = layer["config"]
            else {
                throw fail("expected each layer as {\"type\": …, \"config\": …}")
            }
            return LayerDescription(type: type, config: config)
        }
        var name = ""
        if let value = members["name"] {
            guard case let .string(text) = value else { throw fail("expected a string name") }
            name = text
        }
        self.init(inputShape: inputShape, layers: descriptions, name: name)
        (self.format, self.version) = (format, version)
    }
}

extension JSONValue {
    /// The value of a strictly parsed JSON tree (integers become `number`s).
    init(_ json: StrictJSON) {
        switch json {
        case .null: self = .null
        case let .bool(flag): self = .bool(flag)
        case let .integer(value): self = .number(Double(value))
        case let .number(value): self = .number(value)
        case let .string(text): self = .string(text)
        case let .array(elements): self = .array(elements.map(JSONValue.init))
        case let .object(members):
            self = .object(Dictionary(members.map { ($0.key, JSONValue($0.value)) }, uniquingKeysWith: { $1 }))
        }
    }
}

/// A failure while rebuilding a saved model, with the JSON path of the layer that caused it
/// (`layers[2]`, `layers[0].config.layers[1]`).
struct ConfigurationFailure: Error {
    var key: String
    var error: any Error

    /// The failure seen from an enclosing configuration whose path to this one is `prefix`.
    func inside(_ prefix: String) -> ConfigurationFailure { ConfigurationFailure(key: prefix + key, error: error) }
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

    /// Rebuilds a model from its configuration (a nested model inside a saved one), with freshly
    /// initialized weights; while ``load(from:)`` runs, the layers take the stored weights instead.
    ///
    /// - Throws: ``LayerError`` for an unsupported format, an input shape with a size ≤ 0, an unknown
    ///   layer type, duplicate layer names, sizes above ``SizeLimit`` or an architecture that does not
    ///   build.
    public convenience init(configuration: ModelConfiguration) throws {
        guard configuration.format == "RareEventKit.Sequential", configuration.version == 1 else {
            throw LayerError.invalidConfiguration(
                type: Self.typeName,
                reason: "unsupported format \(configuration.format) version \(configuration.version)")
        }
        self.init(inputShape: configuration.inputShape, name: configuration.name)
        let loading = WeightLoadingScope.current
        do {
            try checkInputShape()
        } catch  where loading != nil {
            throw ConfigurationFailure(key: "inputShape", error: error)
        }
        if let loading, loading.prefix != nil, !loading.transparent, configuration.name.isEmpty {
            throw LayerError.invalidConfiguration(
                type: Self.typeName, reason: "a nested model needs a name (its weights are keyed by it)")
        }
        // While loading, the layers of a nested model key their weights under its name.
        try WeightLoadingScope.with(
            prefix: { scope in
                guard let prefix = scope.prefix else { return "" }
                return scope.transparent ? prefix : prefix + configuration.name + "/"
            }, nesting: loading?.prefix != nil, layer: Self.typeName
        ) {
            for (index, description) in configuration.layers.enumerated() {
                do {
                    try add(LayerRegistry.makeLayer(from: description))
                } catch let error as ConfigurationFailure {
                    throw error.inside("layers[\(index)].config.")
                } catch let error as SavingError {
                    throw error
                } catch  where loading != nil {
                    throw ConfigurationFailure(key: "layers[\(index)]", error: error)
                }
            }
        }
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
        try save(to: folder, adding: [], allowingExchange: allowingExchange, interrupt: interrupt)
    }

    /// ``save(to:)`` with more files in the same folder, written in the same atomic step (a saved
    /// detector's `detector.json` beside the model's two files). The folder stays loadable by
    /// ``load(from:)``, which reads only the model's files.
    package func save(to folder: URL, adding files: [(name: String, data: Data)]) throws(SavingError) {
        try save(to: folder, adding: files, allowingExchange: true) { _ in nil }
    }

    private func save(
        to folder: URL, adding files: [(name: String, data: Data)], allowingExchange: Bool,
        interrupt: (String) -> SaveInterruption?
    ) throws(SavingError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(configuration) else {
            throw .unwritable(
                path: folder.appendingPathComponent(Self.configurationFileName).path,
                reason: "the configuration could not be encoded")
        }
        let weights = try encodedWeights(path: folder.appendingPathComponent(Self.weightsFileName).path)
        do {
            try AtomicFile.writeFolder(
                [(Self.configurationFileName, json), (Self.weightsFileName, weights)] + files,
                to: folder, allowingExchange: allowingExchange
            ) { step throws(AtomicWriteError) in
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

    /// The deepest JSON nesting accepted in `config.json`: enough for
    /// ``SizeLimit/maximumNestingDepth`` nested models, checked before the file is decoded.
    public static let maximumConfigurationDepth = 3 * SizeLimit.maximumNestingDepth + 8

    /// Rebuilds a model saved by ``save(to:)``: the layers from `config.json` (user layer types must be
    /// registered with ``LayerRegistry/register(_:)`` first), then the weights.
    ///
    /// Loading checks everything before it allocates a weight, and draws no random initial weights:
    /// - `config.json` is read by a strict JSON reader: a key twice in one object, or nesting deeper
    ///   than ``maximumConfigurationDepth``, is an error (so decoding stays linear in the file size);
    /// - the input shape must have positive sizes; layer names must be unique in each model, and
    ///   nested models named; every weight and activation within ``SizeLimit``;
    /// - `model.safetensors` is fully validated by ``Safetensors/decode(_:path:)`` (exact tiling of the
    ///   data, finite values), then each built-in layer takes its stored weight after checking its
    ///   name and shape (a custom layer is built as usual, then its weights are replaced);
    /// - every weight of the model must be stored, and every stored tensor must be a weight.
    ///
    /// - Throws: ``SavingError``: file problems name `config.json` or `model.safetensors`;
    ///   ``SavingError/invalidConfiguration(path:key:reason:)`` gives the JSON path of the layer or
    ///   value at fault (`layers[2]`) and why (an unknown layer type, a size too large, an
    ///   architecture that does not build).
    public static func load(from folder: URL) throws(SavingError) -> Sequential {
        let configurationURL = folder.appendingPathComponent(configurationFileName)
        let weightsURL = folder.appendingPathComponent(weightsFileName)
        let (configurationData, weightsData) = try readConsistently(configurationURL, weightsURL, in: folder)
        let configuration = try decodeConfiguration(configurationData, path: configurationURL.path)
        let (tensors, _) = try Safetensors.decode(weightsData, path: weightsURL.path)
        let scope = WeightLoadingScope(source: WeightSource(tensors: tensors, path: weightsURL.path), prefix: nil)
        let model: Sequential
        do {
            model = try WeightLoadingScope.$current.withValue(scope) { try Sequential(configuration: configuration) }
        } catch let error as SavingError {
            throw error
        } catch let failure as ConfigurationFailure {
            if let error = failure.error as? SavingError { throw error }
            throw .invalidConfiguration(path: configurationURL.path, key: failure.key, reason: "\(failure.error)")
        } catch {
            throw .invalidConfiguration(path: configurationURL.path, key: "$", reason: "\(error)")
        }
        try model.assignWeights(tensors, path: weightsURL.path)
        return model
    }

    /// Reads both files of one saved folder. ``save(to:)`` replaces a folder whole, so a save running
    /// at the same moment could swap it between the two reads; the folder's identity (device and inode)
    /// is compared before and after, and the pair is read again when it changed, so the configuration
    /// and the weights always come from the same save.
    ///
    /// `betweenReads` runs between the two reads (a test's hook to save in that moment).
    static func readConsistently(
        _ first: URL, _ second: URL, in folder: URL,
        betweenReads: () -> Void = {}
    ) throws(SavingError) -> (Data, Data) {
        func identity() -> [Int]? {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path),
                let inode = attributes[.systemFileNumber] as? Int,
                let device = attributes[.systemNumber] as? Int
            else { return nil }
            return [device, inode]
        }
        var attempt = 0
        while true {
            let before = identity()
            let pair: (Data, Data)
            do {
                let firstData = try readFile(first)
                betweenReads()
                pair = (firstData, try readFile(second))
            } catch {
                attempt += 1
                if attempt < 5, identity() != before { continue }
                throw error
            }
            attempt += 1
            if identity() == before || attempt >= 5 { return pair }
        }
    }

    /// Reads `config.json`: strict JSON (no duplicate key, bounded depth), then the configuration,
    /// straight from the parsed tree (one linear pass, no `Codable` round trip).
    static func decodeConfiguration(_ data: Data, path: String) throws(SavingError) -> ModelConfiguration {
        let json = try StrictJSON.parse(data, maximumDepth: maximumConfigurationDepth, path: path)
        let configuration: ModelConfiguration
        do {
            configuration = try ModelConfiguration(json: JSONValue(json))
        } catch {
            throw .invalidConfiguration(path: path, key: "$", reason: "\(error)")
        }
        guard configuration.format == "RareEventKit.Sequential", configuration.version == 1 else {
            throw .invalidConfiguration(
                path: path, key: "format",
                reason:
                    "unsupported format \(configuration.format) version \(configuration.version); expected RareEventKit.Sequential version 1"
            )
        }
        return configuration
    }

    /// Replaces every weight with the tensor of its path in `tensors`, after checking that each is
    /// present with the right shape and that no tensor is left over.
    func assignWeights(_ tensors: [String: Tensor], path: String) throws(SavingError) {
        var assignments: [(Parameter, Tensor)] = []
        var used = Set<String>()
        for (name, parameter) in namedParameters {
            guard let tensor = tensors[name] else { throw .missingTensor(path: path, name: name) }
            guard tensor.shape == parameter.value.shape else {
                throw .shapeMismatch(path: path, name: name, expected: parameter.value.shape, found: tensor.shape)
            }
            used.insert(name)
            assignments.append((parameter, tensor))
        }
        if let extra = tensors.keys.filter({ !used.contains($0) }).min() {
            throw .unexpectedTensor(path: path, name: extra)
        }
        for (parameter, tensor) in assignments { parameter.value = tensor }
    }

    /// Writes the weights alone as safetensors (Keras' `save_weights`), atomically: a temporary file
    /// next to `url`, flushed, then renamed over it, so `url` always holds the complete previous or
    /// the complete new weights. Missing parent folders are created.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)`` naming the file and what failed (for example
    ///   `url` is a folder, or a file is in the way of its parent folder).
    public func saveWeights(to url: URL) throws(SavingError) {
        try writeAtomically(try encodedWeights(path: url.path), to: url)
    }

    /// The weights as safetensors bytes, after checking they are all finite: a NaN or infinite weight
    /// is never written (loading would refuse the file), so saving throws instead.
    func encodedWeights(path: String) throws(SavingError) -> Data {
        let weights = namedWeights
        for (name, tensor) in weights {
            let bad = tensor.withUnsafeBufferPointer { $0.firstIndex { !$0.isFinite } }
            if let bad { throw .nonFiniteWeight(path: path, tensor: name, index: bad) }
        }
        return Safetensors.encode(weights, metadata: ["format": "RareEventKit"])
    }

    /// Replaces every weight with the tensor of the same `layer/weight` name in a safetensors file.
    /// Nothing is changed unless the file is valid (see ``Safetensors/decode(_:path:)``), every weight
    /// is present with the right shape, and the file holds no other tensor.
    ///
    /// - Throws: ``SavingError``, e.g. ``SavingError/unexpectedTensor(path:name:)`` for a tensor the
    ///   model has no weight for.
    public func loadWeights(from url: URL) throws(SavingError) {
        let (tensors, _) = try Safetensors.decode(try readFile(url), path: url.path)
        try assignWeights(tensors, path: url.path)
    }

    /// A copy of every weight, to restore later with ``setWeights(_:)-([Tensor])`` (Keras' `get_weights`).
    public func weights() -> [Tensor] { parameters.map(\.value) }

    /// Restores weights taken with ``weights()``.
    ///
    /// - Throws: ``LayerError/weightShapeMismatch(parameter:expected:received:)`` when they do not fit.
    public func setWeights(_ weights: [Tensor]) throws {
        let parameters = self.parameters
        guard weights.count == parameters.count else {
            throw LayerError.invalidTrainingArgument(
                argument: "weights", value: "\(weights.count) tensors",
                expected: "\(parameters.count) tensors")
        }
        for (parameter, value) in zip(parameters, weights) where value.shape != parameter.value.shape {
            throw LayerError.weightShapeMismatch(
                parameter: parameter.name, expected: parameter.value.shape, received: value.shape)
        }
        for (parameter, value) in zip(parameters, weights) { parameter.value = value }
    }
}
