// checkpoint-torture: trains a small model forever, saving a ModelCheckpoint after every epoch, so that
// a test can kill it with SIGKILL at random moments and check the checkpoint always loads
// (Tests/FuzzTests/CheckpointTortureTests.swift).
//
//     checkpoint-torture <checkpoint folder> [seed]
//
// The seed picks the model's width, so successive runs replace a checkpoint by one of another
// architecture (a config.json and model.safetensors from different saves would not load). It prints
// "ready" just before training starts (so the parent can aim kills at the first save), then "saved <count>"
// after each completed save, so the parent knows a checkpoint must exist.
import Foundation
import Layers
import Tensor

/// Prints "saved <n>" after each epoch; runs after ModelCheckpoint in the callback list.
final class SaveReporter: Callback {
    private var count = 0
    func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {
        count += 1
        FileHandle.standardOutput.write(Data("saved \(count)\n".utf8))
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 2 || arguments.count == 3, arguments.count == 2 || UInt64(arguments[2]) != nil else {
    FileHandle.standardError.write(Data("usage: checkpoint-torture <checkpoint folder> [seed]\n".utf8))
    exit(2)
}
let folder = URL(fileURLWithPath: arguments[1])
let seed = arguments.count == 3 ? UInt64(arguments[2])! : 1
do {
    let width = 16 + Int(seed % 5) * 8
    let model = try Sequential(inputShape: [32], seed: seed) {
        Dense(units: width, activation: .relu)
        Dense(units: 8, activation: .relu)
        Dense(units: width, activation: .relu)
        Dense(units: 32)
    }
    model.compile(optimizer: Adam(learningRate: 1e-3), loss: .meanSquaredError)
    var generator = SeededGenerator(seed: seed &+ 1)
    let x = Tensor.normal(shape: [16, 32], using: &generator)
    FileHandle.standardOutput.write(Data("ready\n".utf8))
    _ = try model.fit(
        x, x, epochs: 1_000_000, batchSize: 16, verbose: .silent,
        callbacks: [ModelCheckpoint(path: folder, monitor: "loss"), SaveReporter()])
} catch {
    FileHandle.standardError.write(Data("checkpoint-torture: \(error)\n".utf8))
    exit(1)
}
