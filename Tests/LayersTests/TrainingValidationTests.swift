import CKernels
import Foundation
import Layers
import Tensor
import Testing

/// Training, prediction and evaluation never produce or accept silent garbage (issue 11): invalid
/// arguments and hyperparameters, empty and non-finite data are typed errors thrown before any
/// weight changes, and a step that would make a weight NaN or infinite is refused exactly.
@Suite struct TrainingValidationTests {
    /// A small dense autoencoder (4 → 3 → 4, 31 weights; ReLU, so huge inputs reach every weight) and
    /// finite data for it.
    static func model(_ optimizer: any Optimizer = Adam(), seed: UInt64 = 5) throws -> Sequential {
        let model = try Sequential(inputShape: [4], seed: seed) {
            Dense(units: 3, activation: .relu)
            Dense(units: 4)
        }
        model.compile(optimizer: optimizer, loss: .meanSquaredError)
        return model
    }

    static func data(_ samples: Int = 10, seed: UInt64 = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.normal(shape: [samples, 4], using: &generator)
    }

    static func allWeightsFinite(_ model: Sequential) -> Bool {
        model.parameters.allSatisfy { $0.value.scalars.allSatisfy(\.isFinite) }
    }

    // MARK: - Invalid arguments

    static let invalidFitArguments: [(epochs: Int, batchSize: Int, split: Float, error: LayerError)] = [
        (-1, 4, 0, .invalidTrainingArgument(argument: "epochs", value: "-1", expected: "an integer ≥ 0")),
        (2, 0, 0, .invalidTrainingArgument(argument: "batchSize", value: "0", expected: "a positive integer")),
        (2, -3, 0, .invalidTrainingArgument(argument: "batchSize", value: "-3", expected: "a positive integer")),
        (
            2, 4, -0.1,
            .invalidTrainingArgument(argument: "validationSplit", value: "-0.1", expected: "a fraction in [0, 1)")
        ),
        (
            2, 4, 1,
            .invalidTrainingArgument(argument: "validationSplit", value: "1.0", expected: "a fraction in [0, 1)")
        ),
        (
            2, 4, .nan,
            .invalidTrainingArgument(argument: "validationSplit", value: "nan", expected: "a fraction in [0, 1)")
        ),
        // 10 × 0.05 = 0.5 training rows: none left (used to train on nothing and report loss 0.0).
        (
            2, 4, 0.95,
            .invalidTrainingArgument(
                argument: "validationSplit", value: "0.95",
                expected: "a fraction leaving at least one of the 10 samples for training and one for validation")
        ),
        // 1 − 1e-9 rounds to 1 in Float: no validation row would be left.
        (
            2, 4, 1e-9,
            .invalidTrainingArgument(
                argument: "validationSplit", value: "1e-09",
                expected: "a fraction leaving at least one of the 10 samples for training and one for validation")
        ),
    ]

    @Test(arguments: invalidFitArguments)
    func invalidFitArgumentsThrowBeforeAnyWeightChanges(epochs: Int, batchSize: Int, split: Float, error: LayerError)
        throws
    {
        let model = try Self.model()
        let before = model.weights()
        let x = Self.data()
        #expect(throws: error) {
            try model.fit(x, x, epochs: epochs, batchSize: batchSize, validationSplit: split, verbose: .silent)
        }
        #expect(model.weights() == before)
        #expect(model.optimizer!.iterations == 0)
    }

    @Test func zeroEpochsRunNothing() throws {
        let model = try Self.model()
        let before = model.weights()
        let history = try model.fit(Self.data(), Self.data(), epochs: 0, verbose: .silent)
        #expect(history.epochs.isEmpty && history.loss.isEmpty)
        #expect(model.weights() == before)
    }

    static let invalidHyperparameters: [(optimizer: @Sendable () -> any Optimizer, error: LayerError)] = [
        (
            { Adam(learningRate: .nan) },
            .invalidTrainingArgument(argument: "Adam learningRate", value: "nan", expected: "a finite number ≥ 0")
        ),
        (
            { Adam(learningRate: .infinity) },
            .invalidTrainingArgument(argument: "Adam learningRate", value: "inf", expected: "a finite number ≥ 0")
        ),
        (
            { Adam(learningRate: -1e-3) },
            .invalidTrainingArgument(argument: "Adam learningRate", value: "-0.001", expected: "a finite number ≥ 0")
        ),
        (
            { Adam(epsilon: 0) },
            .invalidTrainingArgument(argument: "Adam epsilon", value: "0.0", expected: "a finite number > 0")
        ),
        (
            { Adam(epsilon: -1e-7) },
            .invalidTrainingArgument(argument: "Adam epsilon", value: "-1e-07", expected: "a finite number > 0")
        ),
        (
            { Adam(epsilon: .nan) },
            .invalidTrainingArgument(argument: "Adam epsilon", value: "nan", expected: "a finite number > 0")
        ),
        (
            { Adam(epsilon: .infinity) },
            .invalidTrainingArgument(argument: "Adam epsilon", value: "inf", expected: "a finite number > 0")
        ),
        (
            { Adam(beta1: 1) },
            .invalidTrainingArgument(argument: "Adam beta1", value: "1.0", expected: "a number in [0, 1)")
        ),
        (
            { Adam(beta1: .nan) },
            .invalidTrainingArgument(argument: "Adam beta1", value: "nan", expected: "a number in [0, 1)")
        ),
        (
            { Adam(beta2: -0.5) },
            .invalidTrainingArgument(argument: "Adam beta2", value: "-0.5", expected: "a number in [0, 1)")
        ),
        (
            { SGD(learningRate: -0.1) },
            .invalidTrainingArgument(argument: "SGD learningRate", value: "-0.1", expected: "a finite number ≥ 0")
        ),
        (
            { SGD(learningRate: .nan) },
            .invalidTrainingArgument(argument: "SGD learningRate", value: "nan", expected: "a finite number ≥ 0")
        ),
        (
            { SGD(momentum: 1.5) },
            .invalidTrainingArgument(argument: "SGD momentum", value: "1.5", expected: "a number in [0, 1]")
        ),
        (
            { SGD(momentum: -.infinity) },
            .invalidTrainingArgument(argument: "SGD momentum", value: "-inf", expected: "a number in [0, 1]")
        ),
    ]

    @Test(arguments: 0..<invalidHyperparameters.count)
    func invalidHyperparametersThrowAtFitStart(case index: Int) throws {
        let (makeOptimizer, error) = Self.invalidHyperparameters[index]
        let model = try Self.model(makeOptimizer())
        let before = model.weights()
        let x = Self.data()
        #expect(throws: error) { try model.fit(x, x, epochs: 2, batchSize: 4, verbose: .silent) }
        #expect(throws: error) { try model.trainOnBatch(x, x) }
        #expect(model.weights() == before)
        #expect(model.optimizer!.iterations == 0)
    }

    @Test func zeroLearningRateIsAllowedAndLeavesWeightsUnchanged() throws {
        let model = try Self.model(Adam(learningRate: 0))
        let before = model.weights()
        let x = Self.data()
        try model.fit(x, x, epochs: 2, batchSize: 4, verbose: .silent)
        #expect(model.weights() == before)
        #expect(model.optimizer!.iterations == 6)
    }

    /// A callback that sets a NaN learning rate mid-training is caught before the next epoch runs.
    @Test func learningRateChangedByACallbackIsCheckedEachEpoch() throws {
        final class Sabotage: Callback {
            func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws { model.optimizer!.learningRate = .nan }
        }
        let model = try Self.model()
        let x = Self.data()
        #expect(
            throws: LayerError.invalidTrainingArgument(
                argument: "Adam learningRate", value: "nan", expected: "a finite number ≥ 0")
        ) {
            try model.fit(x, x, epochs: 3, batchSize: 5, verbose: .silent, callbacks: [Sabotage()])
        }
        #expect(model.optimizer!.iterations == 2)
        #expect(Self.allWeightsFinite(model))
    }

    @Test func emptyDataThrows() throws {
        let model = try Self.model()
        let empty = Tensor(zeros: [0, 4])
        let x = Self.data()
        #expect(
            throws: LayerError.invalidTrainingArgument(
                argument: "x", value: "0 samples", expected: "at least one sample")
        ) {
            try model.fit(empty, empty, verbose: .silent)
        }
        #expect(
            throws: LayerError.invalidTrainingArgument(
                argument: "validationData", value: "0 samples", expected: "at least one sample")
        ) {
            try model.fit(x, x, validationData: (empty, empty), verbose: .silent)
        }
        #expect(
            throws: LayerError.invalidTrainingArgument(
                argument: "input", value: "0 samples", expected: "at least one sample")
        ) {
            try model.evaluate(empty, empty)
        }
        #expect(
            throws: LayerError.invalidTrainingArgument(
                argument: "input", value: "0 samples", expected: "at least one sample")
        ) {
            try model.trainOnBatch(empty, empty)
        }
        // Predicting nothing is not an error: it returns no rows.
        #expect(try model.predict(empty).shape == [0, 4])
    }

    @Test func sampleCountMismatchThrows() throws {
        let model = try Self.model()
        let x = Self.data(10)
        let y = Self.data(9)
        #expect(throws: LayerError.targetShapeMismatch(expected: [10, 4], received: [9, 4])) {
            try model.fit(x, y, verbose: .silent)
        }
        #expect(throws: LayerError.targetShapeMismatch(expected: [10, 4], received: [9, 4])) {
            try model.fit(y, y, validationData: (x, y), verbose: .silent)
        }
        #expect(throws: LayerError.targetShapeMismatch(expected: [10, 4], received: [9, 4])) {
            try model.evaluate(x, y)
        }
    }

    @Test(arguments: [0, -1, Int.min])
    func predictAndEvaluateRejectNonPositiveBatchSizes(batchSize: Int) throws {
        let model = try Self.model()
        let x = Self.data()
        let error = LayerError.invalidTrainingArgument(
            argument: "batchSize", value: "\(batchSize)", expected: "a positive integer")
        #expect(throws: error) { try model.predict(x, batchSize: batchSize) }
        #expect(throws: error) { try model.evaluate(x, x, batchSize: batchSize) }
    }

    @Test func hugeBatchSizesAreOneBatch() throws {
        let model = try Self.model()
        let x = Self.data()
        let history = try model.fit(x, x, epochs: 1, batchSize: .max, verbose: .silent)
        #expect(model.optimizer!.iterations == 1)
        #expect(try model.predict(x, batchSize: .max) == model.predict(x, batchSize: 3))
        #expect(Swift.abs(try model.evaluate(x, x, batchSize: .max) - model.evaluate(x, x, batchSize: 10)) == 0)
        #expect(history.loss.count == 1)
    }

    // MARK: - Non-finite data

    /// The `nonFiniteData` payload of the error `body` throws (NaN payloads do not compare equal).
    static func nonFiniteData(_ body: () throws -> Void) -> (tensor: String, index: [Int], value: Float)? {
        do { try body() } catch let TrainingError.nonFiniteData(tensor, index, value) {
            return (tensor, index, value)
        } catch { Issue.record("unexpected error \(error)") }
        return nil
    }

    @Test func nonFiniteDataIsNamedWithItsIndex() throws {
        let model = try Self.model()
        let clean = Self.data()
        var x = clean
        var y = clean
        x[3, 1] = .nan
        y[7, 2] = .infinity

        let fitX = Self.nonFiniteData { try model.fit(x, clean, verbose: .silent) }
        #expect(fitX?.tensor == "x" && fitX?.index == [3, 1] && fitX?.value.isNaN == true)
        let fitY = Self.nonFiniteData { try model.fit(clean, y, verbose: .silent) }
        #expect(fitY?.tensor == "y" && fitY?.index == [7, 2] && fitY?.value == .infinity)
        // In the rows validationSplit takes (they are checked before the split, so the index is x's).
        let split = Self.nonFiniteData { try model.fit(y, y, validationSplit: 0.3, verbose: .silent) }
        #expect(split?.tensor == "x" && split?.index == [7, 2])
        let validationX = Self.nonFiniteData {
            try model.fit(clean, clean, validationData: (x, clean), verbose: .silent)
        }
        #expect(validationX?.tensor == "validation x" && validationX?.index == [3, 1])
        let validationY = Self.nonFiniteData {
            try model.fit(clean, clean, validationData: (clean, y), verbose: .silent)
        }
        #expect(validationY?.tensor == "validation y" && validationY?.index == [7, 2])
        let evaluateInput = Self.nonFiniteData { _ = try model.evaluate(x, clean) }
        #expect(evaluateInput?.tensor == "input" && evaluateInput?.index == [3, 1])
        let evaluateTarget = Self.nonFiniteData { _ = try model.evaluate(clean, y) }
        #expect(evaluateTarget?.tensor == "target" && evaluateTarget?.index == [7, 2])
        let batch = Self.nonFiniteData { _ = try model.trainOnBatch(clean, y) }
        #expect(batch?.tensor == "target" && batch?.index == [7, 2])
        #expect(model.optimizer!.iterations == 0)
    }

    @Test func nonFiniteDataIndexHasEveryAxis() throws {
        let model = try Sequential(inputShape: [3, 2]) {
            Flatten()
            Dense(units: 6)
            Reshape(targetShape: [3, 2])
        }
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        // The last element of a 70-value tensor: past the scan's first 64-value block.
        var x = Tensor(zeros: [12, 3, 2])
        x[11, 2, 1] = -.infinity
        let found = Self.nonFiniteData { try model.fit(x, Tensor(zeros: [12, 3, 2]), verbose: .silent) }
        #expect(found?.tensor == "x" && found?.index == [11, 2, 1] && found?.value == -.infinity)
    }

    /// `predict` does not scan its input (documented): a NaN sample only spoils its own outputs.
    @Test func predictKeepsANonFiniteSampleToItself() throws {
        let model = try seedAutoencoder()
        var generator = SeededGenerator(seed: 4)
        var x = Tensor.normal(shape: [6, 5, 59], using: &generator)
        let clean = try model.predict(x)
        x[2, 3, 10] = .nan
        let output = try model.predict(x)
        for sample in 0..<6 {
            let rows = output.slicingBatch(sample..<sample + 1).scalars
            if sample == 2 {
                #expect(rows.contains { $0.isNaN })
            } else {
                #expect(rows == clean.slicingBatch(sample..<sample + 1).scalars)
            }
        }
    }

    // MARK: - Non-finite weights

    /// Issue 11: one row of ~1e18 made 72 of 206 weights NaN while fit reported a finite loss.
    @Test func hugeRowStopsTrainingWithFiniteWeights() throws {
        let model = try Self.model()
        var x = Self.data(32)
        for feature in 0..<4 { x[20, feature] = 1e18 }
        do {
            try model.fit(x, x, epochs: 3, batchSize: 8, shuffle: false, verbose: .silent)
            Issue.record("fit returned normally")
        } catch let TrainingError.nonFiniteWeights(parameter, step, epoch, batch) {
            // Row 20 is in the third batch: its gradient squared overflows Adam's second moment.
            #expect(parameter == "dense/kernel")
            #expect(step == 3 && epoch == 0 && batch == 2)
        }
        #expect(model.optimizer!.iterations == 2)
        #expect(Self.allWeightsFinite(model))
    }

    /// A refused step changes nothing: training past it gives exactly the weights of a run without it.
    @Test(arguments: ["Adam", "SGD", "SGD momentum", "SGD nesterov"])
    func refusedStepRestoresWeightsAndOptimizerStateExactly(optimizer name: String) throws {
        func makeOptimizer() -> any Optimizer {
            switch name {
            case "Adam": Adam(learningRate: 0.01)
            case "SGD": SGD(learningRate: 0.05)
            case "SGD momentum": SGD(learningRate: 0.05, momentum: 0.9)
            default: SGD(learningRate: 0.05, momentum: 0.9, nesterov: true)
            }
        }
        let (first, second) = (Self.data(8, seed: 1), Self.data(8, seed: 2))
        var bad = Self.data(8, seed: 3)
        // Finite data and a finite loss, but gradients whose square (Adam) or whose step (SGD) overflows.
        for feature in 0..<4 { bad[0, feature] = 3e18 }
        let refused = try Self.model(makeOptimizer())
        let clean = try Self.model(makeOptimizer())
        for model in [refused, clean] { try model.trainOnBatch(first, first) }
        let beforeBad = refused.weights()
        if name != "Adam" { refused.optimizer!.learningRate = 1e30 }
        #expect(throws: TrainingError.nonFiniteWeights(parameter: "dense/kernel", step: 2, epoch: nil, batch: nil)) {
            try refused.trainOnBatch(bad, bad)
        }
        refused.optimizer!.learningRate = clean.optimizer!.learningRate
        #expect(refused.weights() == beforeBad)
        #expect(refused.optimizer!.iterations == 1)
        for model in [refused, clean] {
            try model.trainOnBatch(second, second)
            try model.trainOnBatch(first, first)
        }
        #expect(refused.weights() == clean.weights())
        #expect(refused.optimizer!.iterations == 3)
    }

    /// Issue 11: after `nonFiniteLoss` the model kept the NaN weights of the failed steps. Now every
    /// step is checked, so a diverging run stops with finite weights, whichever check fires first.
    @Test(arguments: ["Adam", "SGD"])
    func divergingTrainingStopsWithFiniteWeights(optimizer name: String) throws {
        let model = try Self.model(name == "Adam" ? Adam(learningRate: 1e30) : SGD(learningRate: 1e6))
        let x = Self.data(40)
        var stopped = false
        do {
            try model.fit(x, x, epochs: 50, batchSize: 4, verbose: .silent)
        } catch TrainingError.nonFiniteWeights {
            stopped = true
        } catch LayerError.nonFiniteLoss {
            stopped = true
        }
        #expect(stopped)
        #expect(Self.allWeightsFinite(model))
    }

    /// A non-finite loss stops before its step: the weights are those the loss was computed with.
    @Test func nonFiniteLossKeepsTheWeightsOfTheFailingStep() throws {
        let model = try Self.model(SGD(learningRate: 0.01))
        var x = Self.data(8)
        x[5, 0] = 1e25  // (1e25)² overflows the loss; the data itself is finite
        let before = model.weights()
        #expect(throws: LayerError.nonFiniteLoss(epoch: 0, batch: 1, value: .infinity)) {
            try model.fit(x, x, epochs: 1, batchSize: 4, shuffle: false, verbose: .silent)
        }
        #expect(model.optimizer!.iterations == 1)
        #expect(model.weights() != before)
        #expect(Self.allWeightsFinite(model))
    }

    /// A custom optimizer gets the generic check: its non-finite step is undone (weights only).
    @Test func customOptimizerStepsAreCheckedToo() throws {
        final class Exploding: Optimizer {
            var learningRate: Float = 1
            var iterations = 0
            func update(_ parameters: [Parameter]) {
                iterations += 1
                for parameter in parameters { parameter.value = parameter.value * Float.infinity }
            }
        }
        let model = try Self.model(Exploding())
        let before = model.weights()
        let x = Self.data()
        #expect(throws: TrainingError.nonFiniteWeights(parameter: "dense/kernel", step: 1, epoch: 0, batch: 0)) {
            try model.fit(x, x, epochs: 1, batchSize: 10, verbose: .silent)
        }
        #expect(model.weights() == before)
    }

    // MARK: - Non-finite validation loss

    @Test func nonFiniteValidationLossThrowsBeforeCallbacksSeeIt() throws {
        final class Recorder: Callback {
            var epochsEnded: [Int] = []
            func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws { epochsEnded.append(epoch) }
        }
        let model = try Self.model()
        let x = Self.data()
        // Finite, but (1e30)² overflows the validation loss.
        let huge = Tensor(repeating: 1e30, shape: [3, 4])
        let recorder = Recorder()
        let stop = EarlyStopping(patience: 0)
        #expect(throws: TrainingError.nonFiniteValidationLoss(epoch: 0, value: .infinity)) {
            try model.fit(
                x, x, epochs: 3, batchSize: 5, validationData: (huge, huge), verbose: .silent,
                callbacks: [recorder, stop])
        }
        #expect(recorder.epochsEnded.isEmpty)
        #expect(stop.stoppedEpoch == nil)
        #expect(Self.allWeightsFinite(model))
    }

    @Test func monitorsRejectNonFiniteValues() throws {
        let model = try Self.model()
        let stop = EarlyStopping(monitor: "val_loss", patience: 2)
        try stop.onTrainBegin(model: model)
        #expect(
            throws: TrainingError.nonFiniteMonitoredValue(callback: "EarlyStopping", key: "val_loss", value: .infinity)
        ) {
            try stop.onEpochEnd(0, logs: ["loss": 1, "val_loss": .infinity], model: model)
        }
        do {
            try stop.onEpochEnd(0, logs: ["loss": 1, "val_loss": .nan], model: model)
            Issue.record("NaN accepted")
        } catch let TrainingError.nonFiniteMonitoredValue(callback, key, value) {
            #expect(callback == "EarlyStopping" && key == "val_loss" && value.isNaN)
        }
        #expect(model.stopTraining == false)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-monitor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = ModelCheckpoint(path: folder, saveBestOnly: true)
        try checkpoint.onTrainBegin(model: model)
        #expect(
            throws: TrainingError.nonFiniteMonitoredValue(
                callback: "ModelCheckpoint", key: "val_loss", value: -.infinity)
        ) {
            try checkpoint.onEpochEnd(0, logs: ["val_loss": -.infinity], model: model)
        }
        #expect(checkpoint.savedEpochs.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func earlyStoppingRejectsInvalidSettings() throws {
        let model = try Self.model()
        #expect(
            throws: LayerError.invalidTrainingArgument(
                argument: "EarlyStopping patience", value: "-1", expected: "an integer ≥ 0")
        ) {
            try EarlyStopping(patience: -1).onTrainBegin(model: model)
        }
        #expect(
            throws: LayerError.invalidTrainingArgument(
                argument: "EarlyStopping minDelta", value: "nan", expected: "a finite number")
        ) {
            try EarlyStopping(minDelta: .nan).onTrainBegin(model: model)
        }
    }

    /// The snippet in Documentation/RareEventWorkflow.md, on data with one huge row.
    @Test func workflowGuideSnippetCatchesTrainingErrors() throws {
        let model = try Self.model()
        var normalTrain = Self.data(64)
        for feature in 0..<4 { normalTrain[40, feature] = 1e18 }
        let normalValid = Self.data(8, seed: 9)
        var caught: TrainingError?
        do {
            try model.fit(
                normalTrain, normalTrain, epochs: 200, batchSize: 64, validationData: (normalValid, normalValid),
                verbose: .silent)
        } catch let error as TrainingError {
            caught = error
        }
        #expect(caught == .nonFiniteWeights(parameter: "dense/kernel", step: 1, epoch: 0, batch: 0))
        #expect(
            caught?.description.hasPrefix(
                "weight 'dense/kernel' would become NaN or infinite at optimizer step 1 (epoch 0, batch 0): ") == true)
    }

    @Test func errorDescriptionsAreOneLine() {
        let errors: [TrainingError] = [
            .nonFiniteData(tensor: "x", index: [3, 1], value: .nan),
            .nonFiniteWeights(parameter: "dense/kernel", step: 3, epoch: 0, batch: 2),
            .nonFiniteWeights(parameter: "dense/kernel", step: 3, epoch: nil, batch: nil),
            .nonFiniteValidationLoss(epoch: 4, value: .infinity),
            .nonFiniteMonitoredValue(callback: "EarlyStopping", key: "val_loss", value: .nan),
        ]
        for error in errors { #expect(!error.description.contains("\n")) }
        #expect(errors[0].description == "x holds nan at index [3, 1]: training and evaluation data must be finite")
        #expect(
            errors[1].description.hasPrefix(
                "weight 'dense/kernel' would become NaN or infinite at optimizer step 3 (epoch 0, batch 2): "))
        #expect(
            errors[2].description.hasPrefix("weight 'dense/kernel' would become NaN or infinite at optimizer step 3: "))
    }
}

/// The fused Adam kernel on every path this CPU has, against a Double-precision reference, and its
/// non-finite flag.
@Suite struct AdamKernelTests {
    static let paths: [Int32] = [0, 256, 512]

    struct Result { var w: [Float], m: [Float], v: [Float], flag: Int32 }

    static func run(
        path: Int32, w: [Float], g: [Float], m: [Float], v: [Float], step: Float = 1e-3,
        b1: Float = 0.1, b2: Float = 0.001, epsilon: Float = 1e-7
    ) -> Result? {
        var result = Result(w: w.map { _ in .nan }, m: m.map { _ in .nan }, v: v.map { _ in .nan }, flag: 0)
        result.flag = rek_adam_update_on_path(
            path, w.count, w, g, m, v, &result.w, &result.m, &result.v, step, b1, b2, epsilon)
        return result.flag < 0 ? nil : result
    }

    @Test(arguments: paths, [1, 7, 8, 9, 16, 17, 37])
    func matchesTheReferenceAndFlagsNothingWhenFinite(path: Int32, count: Int) throws {
        var generator = SeededGenerator(seed: UInt64(count))
        let w = (0..<count).map { _ in generator.normal() }
        let g = (0..<count).map { _ in generator.normal() }
        let m = (0..<count).map { _ in 0.1 * generator.normal() }
        let v = (0..<count).map { _ in 0.1 * Swift.abs(generator.normal()) }
        guard let result = Self.run(path: path, w: w, g: g, m: m, v: v) else { return }  // path not on this CPU
        #expect(result.flag == 0)
        for i in 0..<count {
            let (gi, mi, vi) = (Double(g[i]), Double(m[i]), Double(v[i]))
            let newM = mi + (gi - mi) * 0.1
            let newV = vi + (gi * gi - vi) * 0.001
            let newW = Double(w[i]) - 1e-3 * newM / (newV.squareRoot() + 1e-7)
            #expect(Swift.abs(Double(result.m[i]) - newM) <= 1e-6 * Swift.max(1, Swift.abs(newM)))
            #expect(Swift.abs(Double(result.v[i]) - newV) <= 1e-6 * Swift.max(1, Swift.abs(newV)))
            #expect(Swift.abs(Double(result.w[i]) - newW) <= 1e-5 * Swift.max(1, Swift.abs(newW)))
        }
    }

    @Test(arguments: paths)
    func flagsANonFiniteWeightOrMomentInAnyLane(path: Int32) throws {
        for count in [3, 8, 13, 37] {
            for lane in [0, count / 2, count - 1] {
                let zeros = [Float](repeating: 0, count: count)
                var g = [Float](repeating: 0.5, count: count)
                g[lane] = .nan
                #expect(Self.run(path: path, w: zeros, g: g, m: zeros, v: zeros).map(\.flag) ?? 1 == 1)
                // A finite gradient whose square overflows v.
                g[lane] = 1e20
                let overflow = Self.run(path: path, w: zeros, g: g, m: zeros, v: zeros)
                #expect(overflow.map(\.flag) ?? 1 == 1)
                if let overflow { #expect(overflow.v[lane] == .infinity && overflow.w[lane].isFinite) }
                // A non-finite first moment in (the kernel tests w' and v'; a bad m' must reach w').
                var m = zeros
                m[lane] = .infinity
                let moment = Self.run(path: path, w: zeros, g: g.map { _ in 0.5 }, m: m, v: zeros)
                #expect(moment.map(\.flag) ?? 1 == 1)
                if let moment { #expect(!moment.w[lane].isFinite && moment.v[lane].isFinite) }
                // An infinite weight in, even with a zero update.
                var w = zeros
                w[lane] = -.infinity
                #expect(Self.run(path: path, w: w, g: zeros, m: zeros, v: zeros, epsilon: 1).map(\.flag) ?? 1 == 1)
            }
        }
    }

    /// The vector tail's padding lanes compute 0/(0 + ε): with ε = 0 that is NaN, which must not count.
    @Test(arguments: paths)
    func paddingLanesNeverCount(path: Int32) throws {
        for count in [1, 3, 9, 17] {
            let ones = [Float](repeating: 1, count: count)
            #expect(Self.run(path: path, w: ones, g: ones, m: ones, v: ones, epsilon: 0).map(\.flag) ?? 0 == 0)
        }
    }

    @Test func firstNonFiniteScansEveryPosition() {
        for count in [1, 63, 64, 65, 200] {
            var values = [Float](repeating: 1, count: count)
            #expect(rek_first_nonfinite(count, values) == -1)
            for position in Set([0, count / 2, count - 1]) {
                values[position] = .nan
                #expect(rek_first_nonfinite(count, values) == position)
                values[position] = -.infinity
                #expect(rek_first_nonfinite(count, values) == position)
                values[position] = .greatestFiniteMagnitude
                #expect(rek_first_nonfinite(count, values) == -1)
            }
        }
    }
}
