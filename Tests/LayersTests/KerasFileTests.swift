import Foundation
import Layers
import Tensor
import TestSupport
import Testing

/// scripts/make_keras_files.py's predictions.json: Keras' predictions of each saved model.
private struct KerasFilePrediction: Decodable {
    var input: FixtureTensor
    var output: FixtureTensor
    var paramCount: Int
    var formats: [String]
}

private let kerasPython = Python.interpreter(importing: ["keras", "numpy"])

/// Real `.keras`, `.weights.h5` and legacy `.h5` files written by Keras 3.15.1 (scripts/make_keras_files.py).
@Suite struct KerasFileTests {
    static func url(_ name: String) throws -> URL {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return folder.appendingPathComponent("keras_files/\(name)")
    }

    private static func predictions() throws -> [String: KerasFilePrediction] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(
            [String: KerasFilePrediction].self, from: Data(contentsOf: try url("predictions.json")))
    }

    static let files = [
        "lstm_relu.keras", "lstm_relu.h5", "lstm_tanh.keras", "dense.keras", "dense.h5", "ecg.keras",
        "denoiser.keras",
    ]

    @Test(arguments: files)
    func loadedModelsPredictWhatKerasPredicts(file: String) throws {
        let expected = try #require(try Self.predictions()[String(file.prefix { $0 != "." })])
        let model = try Sequential(kerasFile: try Self.url(file))
        #expect(model.parameterCount == expected.paramCount)
        expectClose(try model.predict(expected.input.tensor), expected.output.tensor, "\(file) prediction")
    }

    /// A `.weights.h5` file into a model built by hand with the same architecture (names differ:
    /// Keras finds weights by class and position).
    @Test func weightsFileLoadsIntoAnEqualArchitecture() throws {
        let expected = try #require(try Self.predictions()["lstm_relu"])
        let model = try Sequential(inputShape: [5, 59]) {
            LSTM(units: 32, activation: .relu, returnSequences: true, name: "encoder_wide")
            LSTM(units: 16, activation: .relu)
            RepeatVector(count: 5)
            LSTM(units: 16, activation: .relu, returnSequences: true)
            LSTM(units: 32, activation: .relu, returnSequences: true)
            TimeDistributed(Dense(units: 59))
        }
        try model.loadKerasWeights(from: try Self.url("lstm_relu.weights.h5"))
        expectClose(try model.predict(expected.input.tensor), expected.output.tensor, "weights.h5 prediction")

        let wrong = try Sequential(inputShape: [5, 59]) {
            LSTM(units: 32, activation: .relu, returnSequences: true)
            LSTM(units: 8, activation: .relu)
        }
        #expect(throws: KerasError.self) { try wrong.loadKerasWeights(from: try Self.url("lstm_relu.weights.h5")) }
    }

    @Test func savedKerasFilesReloadBitForBit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-keras-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in ["lstm_relu.keras", "dense.h5", "denoiser.keras"] {
            let model = try Sequential(kerasFile: try Self.url(file))
            let saved = folder.appendingPathComponent(file + ".keras")
            try model.saveKeras(to: saved)
            let reloaded = try Sequential(kerasFile: saved)
            let expected = try #require(try Self.predictions()[String(file.prefix { $0 != "." })])
            #expect(
                try reloaded.predict(expected.input.tensor) == (try model.predict(expected.input.tensor)), "\(file)")
        }
    }

    /// `saveKeras` → Keras' own `load_model` → `predict` equals the Swift model's predictions.
    @Test(
        .enabled(if: kerasPython != nil, "python3 with keras not installed (pip install -r scripts/requirements.txt)"))
    func kerasLoadsWhatSaveKerasWrites() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-keras-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var script =
            "import os, json, sys\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\nimport numpy as np, keras\nout = {}\n"
        var swift: [String: Tensor] = [:]
        for name in ["lstm_tanh", "dense", "denoiser"] {
            let expected = try #require(try Self.predictions()[name])
            let model = try Sequential(kerasFile: try Self.url(name + ".keras"))
            let saved = folder.appendingPathComponent(name + ".keras")
            try model.saveKeras(to: saved)
            let input = expected.input.tensor
            swift[name] = try model.predict(input)
            script += """
                x = np.array(\(input.scalars), dtype=np.float32).reshape(\(input.shape))
                out['\(name)'] = keras.saving.load_model('\(saved.path)').predict(x, verbose=0).reshape(-1).tolist()

                """
        }
        script += "json.dump(out, sys.stdout)\n"
        let data = try #require(
            try Python.run(script, with: kerasPython!), "Keras could not load the files saveKeras wrote")
        let keras = try JSONDecoder().decode([String: [Float]].self, from: data)
        for (name, prediction) in swift {
            let values = try #require(keras[name])
            expectClose(Tensor(shape: prediction.shape, scalars: values), prediction, "\(name) in Keras")
        }
    }

    /// Damaged files give typed errors, never a crash: every fifth truncation of a real `.keras` file
    /// and 1,500 random byte flips of it and of a legacy `.h5` file.
    @Test func damagedFilesThrowTypedErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-keras-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededGenerator(seed: 15)
        var loaded = 0
        var rejected = 0
        for name in ["ecg.keras", "dense.h5"] {
            let original = [UInt8](try Data(contentsOf: try Self.url(name)))
            var variants: [[UInt8]] = stride(from: 0, to: original.count, by: original.count / 150).map {
                Array(original[..<$0])
            }
            for _ in 0..<750 {
                var bytes = original
                for _ in 0..<(1 + Int(generator.next() % 3)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                variants.append(bytes)
            }
            let path = folder.appendingPathComponent(name)
            for bytes in variants {
                try Data(bytes).write(to: path)
                do {
                    let model = try Sequential(kerasFile: path)
                    _ = model.parameterCount
                    loaded += 1
                } catch is SavingError {
                    rejected += 1
                } catch is KerasError {
                    rejected += 1
                } catch is LayerError {
                    rejected += 1
                }
            }
        }
        print(
            "damaged Keras files: \(loaded) loaded (a flip in unused bytes or in weight values), \(rejected) rejected")
        #expect(rejected > loaded)
    }
}
