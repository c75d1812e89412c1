internal import FileFormats
import Foundation
import Tensor

extension Sequential {
    /// Loads a Keras model file: a Keras 3 `.keras` archive (`config.json` + `model.weights.h5`) or a
    /// legacy Keras 2 / tf.keras `.h5` file (`model.save("x.h5")`, what `ModelCheckpoint` wrote).
    ///
    /// ```swift
    /// let model = try Sequential(kerasFile: URL(fileURLWithPath: "lstm_autoencoder.keras"))
    /// let scores = try model.predict(windows)   // what Keras predicts
    /// ```
    ///
    /// The model is built from the file's configuration (see ``init(kerasConfiguration:dialect:inputShape:seed:)``
    /// for the layers and options translated) and gets the file's weights; the optimizer state is not
    /// read (compile the model to train it further).
    ///
    /// - Parameters:
    ///   - url: The `.keras` or `.h5` file.
    ///   - seed: Seeds shuffling and dropout when the model trains further.
    /// - Throws: ``SavingError`` when the file cannot be read or is damaged (with the byte offset);
    ///   ``KerasError`` for content the library cannot translate (a Functional model, an unknown
    ///   layer or option, compressed or chunked weights: ``KerasError/unsupportedFile(path:feature:)``).
    public convenience init(kerasFile url: URL, seed: UInt64 = 0) throws {
        let path = url.path
        let bytes = try KerasFile.read(url)
        if bytes.starts(with: [0x50, 0x4B]) {
            let archive = try KerasFile.reading(path) { () throws(FileFormatError) in try ZIPArchive(bytes: bytes) }
            let configuration = try KerasFile.reading(path) { () throws(FileFormatError) in
                try archive.contents(of: "config.json")
            }
            let json = try KerasFile.json(Data(configuration), path: path + ": config.json")
            try self.init(kerasConfiguration: json, seed: seed)
            let weights = try KerasFile.reading(path) { () throws(FileFormatError) in
                try HDF5File(bytes: archive.bytes, range: try archive.storedRange(of: "model.weights.h5"))
            }
            try setKerasWeights(try KerasFile.weights(of: self, in: weights, path: path + ": model.weights.h5"))
        } else {
            let file = try KerasFile.reading(path) { () throws(FileFormatError) in try HDF5File(bytes: bytes) }
            let configuration = try KerasFile.reading(path) { () throws(FileFormatError) in
                try file.root().stringAttribute(named: "model_config")
            }
            try self.init(
                kerasConfiguration: try KerasFile.json(Data(configuration.utf8), path: path + ": model_config"),
                seed: seed)
            try setKerasWeights(try KerasFile.legacyWeights(in: file, path: path))
        }
    }

    /// Loads a Keras 3 `.weights.h5` file (`model.save_weights(…)`) into this model, which must have
    /// the architecture of the model that saved it.
    ///
    /// ```swift
    /// let model = try RecurrentAutoencoder.make(cell: .lstm, timesteps: 5, features: 59)
    /// try model.loadKerasWeights(from: URL(fileURLWithPath: "lstm.weights.h5"))
    /// ```
    ///
    /// Keras finds a layer's weights by its class and position (`layers/lstm_1/cell/vars/0`), not by its
    /// name, so the layers only need to match in order, type and shape.
    /// - Throws: ``SavingError`` when the file cannot be read or is damaged, or lacks a weight the
    ///   model has; ``KerasError`` when a shape differs.
    public func loadKerasWeights(from url: URL) throws {
        let bytes = try KerasFile.read(url)
        let file = try KerasFile.reading(url.path) { () throws(FileFormatError) in try HDF5File(bytes: bytes) }
        try setKerasWeights(try KerasFile.weights(of: self, in: file, path: url.path))
    }

    /// Writes the model as a Keras 3 `.keras` archive that `keras.saving.load_model` opens and that
    /// predicts what this model predicts (the optimizer state is not written).
    ///
    /// ```swift
    /// try model.saveKeras(to: URL(fileURLWithPath: "autoencoder.keras"))
    /// // Python: keras.saving.load_model("autoencoder.keras").predict(x)
    /// ```
    ///
    /// The file is written atomically (a temporary file, then a rename).
    /// - Throws: ``KerasError/notExpressible(layer:option:reason:)`` for what Keras 3 cannot express
    ///   (a custom layer, Keras 2's `hard_sigmoid`); ``SavingError/unwritable(path:reason:)``.
    public func saveKeras(to url: URL) throws {
        let configuration = try JSONEncoder().encode(try kerasConfiguration())
        let metadata = try JSONEncoder().encode(
            ["keras_version": KerasFile.writtenKerasVersion, "date_saved": KerasFile.dateStamp()])
        let bytes: [UInt8]
        do throws(FileEncodingError) {
            var weights = HDF5Writer()
            try weights.createGroup("layers")
            try weights.createGroup("vars")
            for (values, paths) in zip(kerasWeights(), kerasWeightPaths()) {
                for (tensor, datasetPath) in zip(values, paths) {
                    try weights.addDataset(datasetPath, shape: tensor.shape, values: .float32(tensor.scalars))
                }
            }
            var archive = ZIPWriter()
            try archive.add("metadata.json", data: Array(metadata))
            try archive.add("config.json", data: Array(configuration))
            try archive.add("model.weights.h5", data: try weights.encode())
            bytes = try archive.encode()
        } catch {
            throw SavingError.unwritable(path: url.path, reason: error.description)
        }
        try writeAtomically(Data(bytes), to: url)
    }
}

/// Reading and writing helpers of the Keras file formats.
enum KerasFile {
    /// The Keras version `saveKeras` writes in `metadata.json`: the one whose format it follows.
    static let writtenKerasVersion = "3.15.1"

    static func read(_ url: URL) throws(SavingError) -> [UInt8] { [UInt8](try readFile(url)) }

    /// Runs a FileFormats read, turning its errors into ``SavingError`` (damage, with the offset) or
    /// ``KerasError/unsupportedFile(path:feature:)`` (a valid file using what the readers lack).
    static func reading<T>(_ path: String, _ body: () throws(FileFormatError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            switch error {
            case let .unsupported(_, feature): throw KerasError.unsupportedFile(path: path, feature: feature)
            case let .notFound(_, name): throw SavingError.missingTensor(path: path, name: name)
            default: throw SavingError.corrupt(path: path, reason: error.description)
            }
        }
    }

    static func json(_ data: Data, path: String) throws(SavingError) -> JSONValue {
        JSONValue(try StrictJSON.parse(data, maximumDepth: 64, path: path))
    }

    /// A Keras 3 weights file's datasets, at the paths ``Sequential/kerasWeightPaths()`` gives.
    static func weights(of model: Sequential, in file: HDF5File, path: String) throws -> [[Tensor]] {
        try model.kerasWeightPaths().map { paths in
            try paths.map { datasetPath in try tensor(at: datasetPath, in: file, path: path) }
        }
    }

    /// A legacy `.h5` file's weights: `model_weights/<layer>` groups in `layer_names` order, each
    /// holding its weights at the paths of its `weight_names`.
    static func legacyWeights(in file: HDF5File, path: String) throws -> [[Tensor]] {
        let names = try reading(path) { () throws(FileFormatError) in
            try file.group(at: "model_weights").stringArrayAttribute(named: "layer_names")
        }
        return try names.map { layer in
            let weightNames = try reading(path) { () throws(FileFormatError) in
                try file.group(at: "model_weights/" + layer).stringArrayAttribute(named: "weight_names")
            }
            return try weightNames.map { try tensor(at: "model_weights/\(layer)/\($0)", in: file, path: path) }
        }
    }

    static func tensor(at datasetPath: String, in file: HDF5File, path: String) throws -> Tensor {
        try reading(path) { () throws(FileFormatError) in
            let dataset = try file.dataset(at: datasetPath)
            let values = try dataset.floats()
            // A null dataspace holds no values whatever its shape says.
            guard values.count == dataset.shape.reduce(1, *) else {
                throw .malformed(offset: 0, expected: "\(dataset.shape) values", found: "\(values.count)")
            }
            return Tensor(shape: dataset.shape, scalars: values)
        }
    }

    /// `date_saved` as Keras writes it (`2026-12-04@17:46:54`, UTC).
    static func dateStamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        return formatter.string(from: Date())
    }
}
