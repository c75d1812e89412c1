import Foundation
import Layers
import Tensor
import Testing

private func linearModel() throws -> (Sequential, Tensor, Tensor) {
    let model = try Sequential(inputShape: [3], seed: 1) { Dense(units: 1) }
    model.compile(optimizer: SGD(learningRate: 0.05), loss: .meanSquaredError)
    var generator = SeededGenerator(seed: 2)
    let x = Tensor.normal(shape: [32, 3], using: &generator)
    let y = x.matmul(Tensor(shape: [3, 1], scalars: [1, -2, 0.5]))
    return (model, x, y)
}

@Suite struct CallbackTests {
    /// Drives EarlyStopping with a scripted sequence of monitored values, as Keras' own tests do.
    func stoppingEpoch(_ values: [Float], patience: Int, minDelta: Float = 0) throws -> (stopped: Int?, best: Int?) {
        let (model, _, _) = try linearModel()
        let stop = EarlyStopping(monitor: "val_loss", minDelta: minDelta, patience: patience)
        try stop.onTrainBegin(model: model)
        for (epoch, value) in values.enumerated() {
            try stop.onEpochEnd(epoch, logs: ["val_loss": value], model: model)
            if model.stopTraining { break }
        }
        return (stop.stoppedEpoch, stop.bestEpoch)
    }

    @Test func earlyStoppingFollowsKerasPatienceRules() throws {
        // Keras: with patience 2 and losses 1.0, 0.9, 0.95, 0.96 → stops at epoch 3, best epoch 1.
        #expect(try stoppingEpoch([1.0, 0.9, 0.95, 0.96, 0.5], patience: 2) == (3, 1))
        // Patience 0 stops at the first epoch without improvement (but never at epoch 0).
        #expect(try stoppingEpoch([1.0, 1.0, 0.5], patience: 0) == (1, 0))
        // minDelta: an improvement of 0.05 does not count when minDelta is 0.1.
        #expect(try stoppingEpoch([1.0, 0.95, 0.94, 0.5], patience: 2, minDelta: 0.1) == (2, 0))
        #expect(try stoppingEpoch([3, 2, 1], patience: 1) == (nil, 2))
    }

    @Test func earlyStoppingEndsTrainingAndRestoresTheBestWeights() throws {
        let (model, x, y) = try linearModel()
        let stop = EarlyStopping(monitor: "loss", patience: 1, restoreBestWeights: true)
        // A learning rate this large diverges after the first steps, so the loss stops improving.
        model.compile(optimizer: SGD(learningRate: 1.4), loss: .meanSquaredError)
        let history = try model.fit(
            x, y, epochs: 50, batchSize: 32, shuffle: false, verbose: .silent, callbacks: [stop])
        let stopped = try #require(stop.stoppedEpoch)
        #expect(history.loss.count == stopped + 1)
        let best = try #require(stop.bestEpoch)
        #expect(history.loss[best] == history.loss.min())
        // One full batch per epoch: epoch e+1's loss is measured with the weights epoch e ended with,
        // so the restored model's loss is the loss logged one epoch after the best one.
        #expect(best + 1 < history.loss.count)
        #expect(
            Swift.abs(try model.evaluate(x, y, batchSize: 32) - history.loss[best + 1]) <= 1e-6 * history.loss[best + 1]
        )
    }

    @Test func unknownMonitorKeyThrows() throws {
        let (model, x, y) = try linearModel()
        #expect(throws: LayerError.self) {
            try model.fit(x, y, epochs: 2, verbose: .silent, callbacks: [EarlyStopping(monitor: "val_loss")])
        }
    }

    @Test func modelCheckpointSavesOnlyImprovements() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (model, _, _) = try linearModel()
        let checkpoint = ModelCheckpoint(
            path: folder.appendingPathComponent("epoch-{epoch}.safetensors"),
            saveBestOnly: true, saveWeightsOnly: true)
        try checkpoint.onTrainBegin(model: model)
        for (epoch, value) in [Float(1.0), 0.8, 0.9, 0.7].enumerated() {
            try checkpoint.onEpochEnd(epoch, logs: ["val_loss": value], model: model)
        }
        #expect(checkpoint.savedEpochs == [0, 1, 3])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                == ["epoch-1.safetensors", "epoch-2.safetensors", "epoch-4.safetensors"])
    }

    @Test func csvLoggerWritesKerasHeaderAndRows() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (model, x, y) = try linearModel()
        let url = folder.appendingPathComponent("log.csv")
        let history = try model.fit(
            x, y, epochs: 3, validationSplit: 0.25, verbose: .silent, callbacks: [CSVLogger(path: url)])
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "epoch,loss,val_loss")
        #expect(lines.count == 4)
        #expect(lines[3] == "2,\(history.loss[2]),\(history.validationLoss[2])")
    }
}
