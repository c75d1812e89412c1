import Foundation
import Tensor
import Testing

@testable import Layers

/// A small dense model; `seed` changes its weights, `wide` its architecture.
private func smallModel(seed: UInt64, wide: Bool = false) throws -> Sequential {
    try Sequential(inputShape: [4], seed: seed) {
        Dense(units: wide ? 6 : 3, activation: .relu)
        Dense(units: 4)
    }
}

private let sample: Tensor = {
    var generator = SeededGenerator(seed: 11)
    return Tensor.normal(shape: [3, 4], using: &generator)
}()

/// The sorted entries of a folder, hidden ones included.
private func entries(_ url: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}

/// Whether the model saved in `folder` loads and predicts exactly as `model`.
private func holds(_ folder: URL, _ model: Sequential) throws -> Bool {
    let loaded = try Sequential.load(from: folder)
    guard loaded.parameterCount == model.parameterCount else { return false }
    return try loaded.predict(sample) == model.predict(sample)
}

@Suite struct AtomicSaveTests {
    static let steps = [
        "createdTemporaryFolder", "wroteFile(config.json)", "wroteFile(model.safetensors)", "wroteAllFiles",
    ]

    @Test func aSaveReplacingAnotherLeavesExactlyTheNewModelAndNoTemporaries() throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("runs/best")  // the missing parent is created
        let first = try smallModel(seed: 1)
        let second = try smallModel(seed: 2)
        let wide = try smallModel(seed: 3, wide: true)
        try first.save(to: folder)
        #expect(try holds(folder, first))
        try second.save(to: folder)
        #expect(try holds(folder, second))
        #expect(try !holds(folder, first))
        try wide.save(to: folder)  // another architecture replaces it just as well
        #expect(try holds(folder, wide))
        #expect(try entries(folder) == ["config.json", "model.safetensors"])
        #expect(try entries(folder.deletingLastPathComponent()) == ["best"])
    }

    /// A save that fails at any step (disk full, I/O error: injected here) throws a typed error and
    /// leaves the previous checkpoint intact and loadable, with no temporaries.
    @Test(arguments: [true, false])
    func aFailedSaveKeepsThePreviousCheckpointLoadable(exchange: Bool) throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("checkpoint")
        let previous = try smallModel(seed: 1)
        let next = try smallModel(seed: 2, wide: true)
        try previous.save(to: folder)
        for failing in Self.steps + (exchange ? [] : ["movedPreviousAside"]) {
            #expect(throws: SavingError.unwritable(path: folder.path, reason: "injected failure after \(failing)")) {
                try next.save(to: folder, allowingExchange: exchange) { $0 == failing ? .fail : nil }
            }
            #expect(try holds(folder, previous), "failure after \(failing)")
            #expect(try entries(parent) == ["checkpoint"], "failure after \(failing)")
        }
    }

    /// A save killed after any step leaves a loadable checkpoint: the previous one, or the new one once
    /// it is in place; never a folder with only `config.json` (the bug of issue 11).
    @Test func aSaveKilledAtAnyStepLeavesALoadableCheckpoint() throws {
        for crashing in Self.steps + ["movedIntoPlace"] {
            for first in [true, false] {
                let parent = try temporaryFolder()
                defer { try? FileManager.default.removeItem(at: parent) }
                let folder = parent.appendingPathComponent("checkpoint")
                let previous = try smallModel(seed: 1)
                let next = try smallModel(seed: 2)
                if !first { try previous.save(to: folder) }
                #expect(throws: SavingError.self) {
                    try next.save(to: folder, allowingExchange: true) { $0 == crashing ? .crash : nil }
                }
                if crashing == "movedIntoPlace" {
                    #expect(try holds(folder, next))
                } else if first {
                    #expect(!FileManager.default.fileExists(atPath: folder.path), "first save killed after \(crashing)")
                } else {
                    #expect(try holds(folder, previous), "save killed after \(crashing)")
                }
            }
        }
    }

    @Test func aFileOrForeignFilesWhereTheModelGoesAreTypedErrors() throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let model = try smallModel(seed: 1)
        let file = parent.appendingPathComponent("model")
        try Data("text".utf8).write(to: file)
        #expect(
            throws: SavingError.unwritable(
                path: file.path, reason: "it exists and is not a folder; expected a folder to save into")
        ) {
            try model.save(to: file)
        }
        let below = file.appendingPathComponent("inner")
        #expect(
            throws: SavingError.unwritable(
                path: below.path, reason: "cannot create the folder \(file.path): a file is in the way")
        ) {
            try model.save(to: below)
        }
        #expect(throws: SavingError.unwritable(path: parent.path, reason: "it is a folder; expected a file")) {
            try model.saveWeights(to: parent)  // resolves to the folder itself
        }
        // A folder with the user's other files is never replaced.
        let run = parent.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: false)
        try Data("epoch,loss\n".utf8).write(to: run.appendingPathComponent("training.csv"))
        do {
            try model.save(to: run)
            Issue.record("expected an error")
        } catch {
            #expect(
                "\(error)".hasPrefix(
                    "cannot write \(run.path): the folder also holds training.csv; it is replaced as a whole"))
        }
        #expect(try entries(run) == ["training.csv"])
        #expect(try entries(parent) == ["model", "run"])
        // Weights alone go into missing folders too.
        let weights = parent.appendingPathComponent("new/deeper/weights.safetensors")
        try model.saveWeights(to: weights)
        let again = try smallModel(seed: 5)
        try again.loadWeights(from: weights)
        #expect(try again.predict(sample) == model.predict(sample))
    }

    /// ModelCheckpoint's first save (the case that lost checkpoints) and later ones, through `fit`.
    @Test func modelCheckpointSavesWholeFoldersEveryEpoch() throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let model = try smallModel(seed: 4)
        model.compile(optimizer: SGD(learningRate: 0.05), loss: .meanSquaredError)
        let checkpoint = ModelCheckpoint(path: parent.appendingPathComponent("runs/latest"), monitor: "loss")
        let byEpoch = ModelCheckpoint(path: parent.appendingPathComponent("runs/epoch-{epoch}"), monitor: "loss")
        _ = try model.fit(sample, sample, epochs: 3, verbose: .silent, callbacks: [checkpoint, byEpoch])
        #expect(checkpoint.savedEpochs == [0, 1, 2])
        #expect(try holds(parent.appendingPathComponent("runs/latest"), model))
        #expect(try holds(parent.appendingPathComponent("runs/epoch-3"), model))
        #expect(try entries(parent.appendingPathComponent("runs")) == ["epoch-1", "epoch-2", "epoch-3", "latest"])
    }

    @Test func nonFiniteWeightsAreNeverWritten() throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let model = try smallModel(seed: 1)
        var weights = model.weights()
        var kernel = weights[2].scalars
        kernel[1] = .nan
        weights[2] = Tensor(shape: weights[2].shape, scalars: kernel)
        try model.setWeights(weights)
        let folder = parent.appendingPathComponent("model")
        let weightsPath = folder.appendingPathComponent(Sequential.weightsFileName).path
        #expect(throws: SavingError.nonFiniteWeight(path: weightsPath, tensor: "dense_1/kernel", index: 1)) {
            try model.save(to: folder)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        let file = parent.appendingPathComponent("w.safetensors")
        #expect(throws: SavingError.nonFiniteWeight(path: file.path, tensor: "dense_1/kernel", index: 1)) {
            try model.saveWeights(to: file)
        }
        #expect(try entries(parent).isEmpty)
    }

    @Test func aLoadDuringASaveReadsBothFilesOfTheSameSave() throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("model")
        let narrow = try smallModel(seed: 1)
        let wide = try smallModel(seed: 2, wide: true)
        try narrow.save(to: folder)
        let configuration = folder.appendingPathComponent(Sequential.configurationFileName)
        let weights = folder.appendingPathComponent(Sequential.weightsFileName)
        var saves = 0
        // A save swaps the folder right after the first file was read: the pair is read again.
        let (configurationData, weightsData) = try Sequential.readConsistently(configuration, weights, in: folder) {
            if saves == 0 { try? wide.save(to: folder) }
            saves += 1
        }
        #expect(saves == 2)
        let decoded = try Sequential.decodeConfiguration(configurationData, path: configuration.path)
        let (tensors, _) = try Safetensors.decode(weightsData, path: weights.path)
        #expect(decoded == wide.configuration)
        #expect(tensors["dense/kernel"]?.shape == [4, 6])
        #expect(try holds(folder, wide))
    }
}
