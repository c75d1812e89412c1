import Foundation
import Layers
import Tensor
import TestSupport
import Testing

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rek-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private let python = Python.interpreter(importing: ["safetensors", "numpy"])

@Suite struct SavingTests {
    @Test func savedModelReloadsAndPredictsIdentically() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try seedAutoencoder(seed: 3)
        var generator = SeededGenerator(seed: 9)
        let x = Tensor.normal(shape: [4, 5, 59], using: &generator)
        try model.save(to: folder.appendingPathComponent("model"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("model").path)
            .sorted()
        #expect(files == ["config.json", "model.safetensors"])
        let loaded = try Sequential.load(from: folder.appendingPathComponent("model"))
        #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
        #expect(loaded.parameterCount == 25_243)
        #expect(try loaded.predict(x) == model.predict(x))
    }

    @Test func truncatedOrCorruptFilesThrowTypedErrors() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try seedAutoencoder()
        let url = folder.appendingPathComponent("w.safetensors")
        try model.saveWeights(to: url)
        let data = try Data(contentsOf: url)
        // Every possible truncation fails cleanly.
        for length in stride(from: 0, to: data.count, by: 997) {
            try data.prefix(length).write(to: url)
            #expect(throws: SavingError.self) { try model.loadWeights(from: url) }
        }
        // A header length pointing past the end, garbage JSON, and a wrong dtype.
        var huge = data
        huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        try huge.write(to: url)
        #expect(throws: SavingError.self) { try model.loadWeights(from: url) }
        try (Data([8, 0, 0, 0, 0, 0, 0, 0]) + Data("not json".utf8)).write(to: url)
        #expect(
            throws: SavingError.corrupt(
                path: url.path, reason: "the header is not valid JSON at byte 0 ($): expected null")
        ) { try model.loadWeights(from: url) }
        let header = Data(#"{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#.utf8)
        try (withUnsafeBytes(of: UInt64(header.count).littleEndian) { Data($0) } + header + Data([0, 0])).write(to: url)
        #expect(throws: SavingError.unsupportedDType(path: url.path, tensor: "a", dtype: "F16")) {
            try model.loadWeights(from: url)
        }
        #expect(throws: SavingError.self) { try Sequential.load(from: folder.appendingPathComponent("missing")) }
    }

    @Test func weightsOfAnotherArchitectureAreRejectedWithoutChangingTheModel() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = try Sequential(inputShape: [3]) { Dense(units: 2, name: "dense") }
        let other = try Sequential(inputShape: [4]) { Dense(units: 2, name: "dense") }
        let url = folder.appendingPathComponent("w.safetensors")
        try other.saveWeights(to: url)
        let before = small.weights()
        #expect(
            throws: SavingError.shapeMismatch(path: url.path, name: "dense/kernel", expected: [3, 2], found: [4, 2])
        ) {
            try small.loadWeights(from: url)
        }
        #expect(small.weights() == before)
    }

    @Test(
        .enabled(if: python != nil, "python3 with safetensors not installed (pip install -r scripts/requirements.txt)"))
    func pythonSafetensorsReadsTheWeights() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try seedAutoencoder()
        let url = folder.appendingPathComponent("w.safetensors")
        try model.saveWeights(to: url)
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: python!)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../scripts/read_safetensors.py")
        process.arguments = [script.path, url.path]
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        struct Summary: Decodable {
            struct Entry: Decodable {
                var shape: [Int]
                var dtype: String
                var sum: Double
            }
            var tensors: [String: Entry]
        }
        let summary = try JSONDecoder().decode(Summary.self, from: data)
        #expect(summary.tensors.count == model.namedWeights.count)
        for (name, tensor) in model.namedWeights {
            let entry = try #require(summary.tensors[name])
            #expect(entry.shape == tensor.shape && entry.dtype == "float32")
            let sum = tensor.scalars.reduce(0.0) { $0 + Double($1) }
            #expect(Swift.abs(entry.sum - sum) <= 1e-9 * Swift.max(1, Swift.abs(sum)))
        }
    }
}
